"""Conversations and journals written by a language model (issue 11 items 1-6; design document 001
"AI Generation Service", "Daily Conversation Generation (6 AM)", "Daily Journal Generation (11 PM)").

Modules: ``vocabulary`` (the 11 conversation types and 10 moods), ``prompt`` (the chat request
built from personalities, usage and patterns; user-given names only as JSON data), ``output``
(the structured-output JSON schemas and the check of a model's answer), ``offline`` (the
template generator used without an API key), ``pricing`` (cost from the settings' price table),
``provider`` (the openai client: one synchronous call, batch lines), ``repository`` (SQL),
``service`` (the on-demand use cases and the generation of one row), ``nightly`` (the 06:00 and
23:00 plans and the Batch API submit/collect).
"""
