"""Style model rules, the document's queue message formats, and the provider status mapping."""

from __future__ import annotations

import json
import uuid

import pytest

from styles import messages
from styles.provider.base import job_from_json
from styles.provider_callbacks import generation_status_of, training_status_of
from styles.stylemodels import rules


@pytest.mark.parametrize("count,ok", [(9, False), (10, True), (100, True), (101, False), (0, False)])
def test_image_count_is_10_to_100(count: int, ok: bool) -> None:
    if ok:
        rules.check_image_count(count)
    else:
        with pytest.raises(rules.RuleBroken) as err:
            rules.check_image_count(count)
        assert err.value.field == "images" and err.value.code == "invalid_image_count"


def test_image_size_and_type_name_the_image() -> None:
    rules.check_image_size(3, 10 * 1024 * 1024, 10 * 1024 * 1024)
    with pytest.raises(rules.RuleBroken) as err:
        rules.check_image_size(3, 10 * 1024 * 1024 + 1, 10 * 1024 * 1024)
    assert (err.value.field, err.value.code) == ("images[3]", "image_too_large")
    with pytest.raises(rules.RuleBroken) as err:
        rules.check_image_size(0, 0, 100)
    assert err.value.code == "invalid_image"
    rules.check_image_type(1, "image/png")
    with pytest.raises(rules.RuleBroken) as err:
        rules.check_image_type(1, "image/webp")
    assert err.value.field == "images[1]"


def test_tags_keep_order_drop_case_duplicates_and_name_the_bad_one() -> None:
    assert rules.clean_tags([" Water  color ", "portrait", "WATER COLOR", "ink"]) == ["Water color", "portrait", "ink"]
    with pytest.raises(rules.RuleBroken) as err:
        rules.clean_tags(["ok", "  "])
    assert err.value.field == "tags[1]"
    with pytest.raises(rules.RuleBroken) as err:
        rules.clean_tags(["x" * 51])
    assert err.value.field == "tags[0]"
    with pytest.raises(rules.RuleBroken):
        rules.clean_tags([f"t{i}" for i in range(11)])
    assert rules.split_tag_list(["a,b", "c", " , "]) == ["a", "b", "c"]


def test_names_are_trimmed_and_bounded() -> None:
    assert rules.clean_name("  Harbour   light ") == "Harbour light"
    for bad in ("", "   ", "x" * 101):
        with pytest.raises(rules.RuleBroken) as err:
            rules.clean_name(bad)
        assert err.value.field == "name"


def test_trigger_word_is_stable_and_the_prompt_starts_with_it() -> None:
    model_id = uuid.UUID("11111111-1111-4111-8111-111111111111")
    assert rules.trigger_word(model_id) == rules.trigger_word(model_id)
    assert rules.trigger_word(model_id) != rules.trigger_word(uuid.uuid4())
    assert rules.build_prompt("STYABC", ["sea", "dawn"]) == "STYABC, sea, dawn"


def test_messages_have_the_documents_shape() -> None:
    style, gen, task = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    training = messages.TrainingMessage(task_id=task, data=messages.TrainingData(
        style_id=style, image_paths=["artworks/a/000.jpg"], num_epochs=10), webhook_url="https://x/api/models/s/status")
    body = json.loads(messages.dumps(training))
    assert set(body) == {"task_id", "type", "data", "webhook_url"} and body["type"] == "model_training"
    assert set(body["data"]) == {"style_id", "image_paths", "num_epochs"}
    assert messages.parse_training(messages.dumps(training)) == training
    generation = messages.GenerationMessage(task_id=task, data=messages.GenerationData(
        generation_id=gen, style_id=style, lora_path="o/n:v", prompt="p", aspect_ratio="1:1", seed=1),
        webhook_url="https://x/api/images/g/status")
    body = json.loads(messages.dumps(generation))
    assert body["type"] == "image_generation"
    assert set(body["data"]) == {"generation_id", "style_id", "lora_path", "prompt", "aspect_ratio", "seed"}
    with pytest.raises(ValueError):
        messages.parse_generation(json.dumps({**body, "type": "model_training"}))
    with pytest.raises(ValueError):
        messages.parse_training("not json")


@pytest.mark.parametrize("status,training,generation", [
    ("starting", "training", "processing"), ("processing", "training", "processing"),
    ("succeeded", "completed", "completed"), ("failed", "failed", "failed"), ("canceled", "failed", "failed"),
])
def test_provider_statuses_map_to_ours(status: str, training: str, generation: str) -> None:
    job = job_from_json("training", {"id": "j", "status": status})
    assert training_status_of(job) == training
    assert generation_status_of(job_from_json("prediction", {"id": "j", "status": status})) == generation
