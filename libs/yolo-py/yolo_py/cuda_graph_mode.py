"""How the trainer's CUDA graphs are captured (the model's, cuda_graph.py, and the loss's, graphed_loss.py)."""

# "global" (torch's default) makes any CUDA call of another thread of the process that is unsafe during capture
# fail the capture, and Ultralytics' pin-memory thread allocates pinned host memory throughout training: the
# capture at the first batch failed intermittently that way (tools/bench/gpu/capture_vs_pin_thread.py).
# "thread_local" checks only this thread's calls, which are the ones captured.
CAPTURE_ERROR_MODE = "thread_local"

__all__ = ["CAPTURE_ERROR_MODE"]
