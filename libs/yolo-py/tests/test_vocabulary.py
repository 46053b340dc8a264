"""The Python side's variant names, graph kinds and artifact key casing (the names themselves are checked against TypeScript there)."""

from yolo_py.artifact_keys import camel_case, camel_keys
from yolo_py.export.report import TOLERANCES
from yolo_py.export.graph_kinds import GRAPH_KINDS
from yolo_py.variants import FINE_TUNE_VARIANT, QUANTIZED_VARIANTS, VARIANTS


def test_the_vocabulary_comes_from_the_emitted_contract():
    assert VARIANTS == ("fp16", "qat", "qat-ft")
    assert QUANTIZED_VARIANTS == ("qat", "qat-ft") and FINE_TUNE_VARIANT in QUANTIZED_VARIANTS
    assert GRAPH_KINDS == ("float", "qcdq")


def test_every_graph_kind_has_an_agreement_tolerance():
    assert tuple(TOLERANCES) == GRAPH_KINDS


def test_snake_case_keys_become_camel_case_at_any_depth_and_other_keys_stay():
    assert camel_case("file_bytes") == "fileBytes" and camel_case("torch_vs_ort") == "torchVsOrt"
    assert camel_case("DequantizeLinear") == "DequantizeLinear" and camel_case("onnxruntime-node") == "onnxruntime-node"
    data = {"node_counts": {"DequantizeLinear": 3}, "models": [{"int_weights": True, "names": ["model.0_x"]}]}
    assert camel_keys(data) == {"nodeCounts": {"DequantizeLinear": 3}, "models": [{"intWeights": True, "names": ["model.0_x"]}]}


def test_the_file_names_come_from_the_emitted_layout():
    from yolo_py.layout import EXPORT_JSON, PROGRESS_JSON, RUN_JSON

    assert (RUN_JSON, PROGRESS_JSON, EXPORT_JSON) == ("run.json", "progress.json", "export.json")
