"""Style models (design document 004, M2-Style-Model-API): rules, SQL, the create/list/detail/delete
logic, and the training images' processing."""
