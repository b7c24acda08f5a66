"""`__default__` is the stages, each registered under its own name; `retraining` is
`__default__` and its own nodes."""

from __future__ import annotations

from kedro.framework.project import configure_project

from image_classification.pipeline_registry import STAGES, register_pipelines


def test_default_runs_every_node_of_every_stage():
    configure_project("image_classification")
    pipelines = register_pipelines()
    assert set(STAGES) <= set(pipelines)
    every_stage = {node.name for name in STAGES for node in pipelines[name].nodes}
    assert {node.name for node in pipelines["__default__"].nodes} == every_stage
    assert len(every_stage) == sum(len(pipelines[name].nodes) for name in STAGES)
    first, last = pipelines["__default__"].nodes[0], pipelines["__default__"].nodes[-1]
    assert first.name in {node.name for node in pipelines["data_validation"].nodes}
    assert last.name in {node.name for node in pipelines["diagnostics"].nodes}


def test_label_audit_is_registered_but_not_part_of_default():
    configure_project("image_classification")
    pipelines = register_pipelines()
    audit = {node.name for node in pipelines["label_audit"].nodes}
    assert "label_audit.predict_out_of_fold_node" in audit
    assert not audit & {node.name for node in pipelines["__default__"].nodes}


def test_each_stage_is_one_namespace_over_shared_dataset_names():
    """kedro-viz collapses a stage to one box; the catalog's names stay unprefixed."""
    configure_project("image_classification")
    pipelines = register_pipelines()
    for name in (*STAGES, "label_audit"):
        assert {node.namespace for node in pipelines[name].nodes} == {name}
    assert "split_manifest" in pipelines["data_split"].all_outputs()
    assert "image_pack" in pipelines["packing"].all_outputs()
    assert "image_pack" in pipelines["augmentation"].inputs()


def test_retraining_is_every_stage_then_its_own_nodes():
    configure_project("image_classification")
    pipelines = register_pipelines()
    default = {node.name for node in pipelines["__default__"].nodes}
    retraining = {node.name for node in pipelines["retraining"].nodes}
    own = retraining - default
    assert default < retraining
    assert own and {name.split(".")[0] for name in own} == {"retraining"}
    assert "retraining.decide_promotion_node" in own
