"""ONNX exports of the two variants (float baseline, Brevitas QCDQ) with one I/O contract, and their report.

Import the modules themselves (yolo_py.export.baseline, .qcdq, .report, ...): the package loads none of them, so
a stage that needs one (ptq-w8a8 reads graph_stats) does not import, nor hash as its input, the rest.
"""
