"""Runs a reference COCO bbox evaluator on files, for parity tests and benchmarks of the TypeScript one.

usage: python coco_reference.py [--engine pycocotools|faster-coco-eval] MANIFEST

MANIFEST is a JSON array of {"instances": path, "results": path, "output": path}. Each output file gets
{stats, perCategory: [{categoryId, ap, ap50, gtCount}], iouThrs, recThrs, loadSeconds, evalSeconds,
peakRssKb, cpuSeconds (the whole process so far), versions}. Floats are written with repr, so they survive the trip to JavaScript bit for bit.
"""

import argparse
import contextlib
import importlib.metadata
import io
import json
import platform
import resource
import time

import numpy as np


def load_pycocotools(instances_path, results_path):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    gt = COCO(instances_path)
    with open(results_path) as f:
        results = json.load(f)
    if results:
        dt = gt.loadRes(results)
    else:
        # loadRes indexes results[0]; an empty result set is a COCO with no annotations.
        dt = COCO()
        dt.dataset = {"images": list(gt.dataset["images"]), "categories": list(gt.dataset["categories"]), "annotations": []}
        dt.createIndex()
    return gt, COCOeval(gt, dt, "bbox")


def load_faster_coco_eval(instances_path, results_path):
    from faster_coco_eval import COCO, COCOeval_faster

    gt = COCO(instances_path)
    dt = gt.loadRes(results_path)
    return gt, COCOeval_faster(gt, dt, "bbox", print_function=lambda *args, **kwargs: None)


def mean_or_minus_one(values):
    kept = values[values > -1]
    return float(np.mean(kept)) if kept.size else -1.0


def run_case(engine, case):
    quiet = io.StringIO()
    with contextlib.redirect_stdout(quiet):
        started = time.perf_counter()
        gt, evaluator = (load_pycocotools if engine == "pycocotools" else load_faster_coco_eval)(case["instances"], case["results"])
        loaded = time.perf_counter()
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
        finished = time.perf_counter()

    precision = evaluator.eval["precision"]  # [T, R, K, A, M]
    annotations = gt.dataset["annotations"]
    per_category = []
    for k, category_id in enumerate(evaluator.params.catIds):
        per_category.append({
            "categoryId": int(category_id),
            "ap": mean_or_minus_one(precision[:, :, k, 0, -1]),
            "ap50": mean_or_minus_one(precision[0, :, k, 0, -1]),
            "gtCount": sum(1 for a in annotations if a["category_id"] == category_id and not a.get("iscrowd", 0)),
        })
    return {
        "stats": [float(s) for s in evaluator.stats],
        "perCategory": per_category,
        "iouThrs": [float(t) for t in evaluator.params.iouThrs],
        "recThrs": [float(r) for r in evaluator.params.recThrs],
        "loadSeconds": loaded - started,
        "evalSeconds": finished - loaded,
        "peakRssKb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "cpuSeconds": resource.getrusage(resource.RUSAGE_SELF).ru_utime + resource.getrusage(resource.RUSAGE_SELF).ru_stime,
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            engine: importlib.metadata.version(engine.replace("-", "_") if engine != "pycocotools" else engine),
        },
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["pycocotools", "faster-coco-eval"], default="pycocotools")
    parser.add_argument("manifest")
    args = parser.parse_args()
    with open(args.manifest) as f:
        cases = json.load(f)
    for case in cases:
        report = run_case(args.engine, case)
        with open(case["output"], "w") as f:
            json.dump(report, f)


if __name__ == "__main__":
    main()
