#!/usr/bin/env python3
"""Output tokens/s of one model under LightEval's vLLM scheduler defaults vs other settings.

Runs on a GPU node with vLLM installed; `pnpm bench:throughput` (bench/throughput.ts) plans the
settings and calls this script, see docs/performance.md. Directly:

    python3 bench/throughput.py --model deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B \
        --max-model-len 33792 --gpu-memory-utilization 0.9 \
        --setting 128,2048 --setting 256,8192

Each `--setting MAX_NUM_SEQS,MAX_NUM_BATCHED_TOKENS` runs in a fresh Python process (a vLLM engine
does not give all its GPU memory back within one process), with LightEval's fixed engine choices
(lighteval v0.13.0 src/lighteval/models/vllm/vllm_model.py: enforce_eager=True, swap_space=4,
seed, dtype) and the same prompts, sampled as LightEval samples AIME/MATH-500 (temperature 0.6,
top_p 0.95, n samples per prompt). Prints one JSON document: tokens/s per setting and the speedup
of each over the first. Exits 2 with a message when there is no GPU or no vLLM.
"""

import argparse
import json
import os
import subprocess
import sys
import time

NO_GPU = 2


def fail(message):
    print(f"bench/throughput.py: {message}", file=sys.stderr)
    sys.exit(NO_GPU)


def check_gpu():
    try:
        import torch
    except ImportError:
        fail("PyTorch is not installed: run this on a GPU node in the environment LightEval runs in (pip install lighteval[vllm]).")
    if not torch.cuda.is_available() or torch.cuda.device_count() == 0:
        fail("no CUDA GPU is visible (torch.cuda.is_available() is False): run this on a GPU node, e.g. under srun --gres=gpu:1.")
    try:
        import vllm  # noqa: F401
    except ImportError:
        fail("vLLM is not installed: pip install lighteval[vllm] (or vllm) in this environment.")


def prompts(count):
    return [
        f"Problem {i}: find the number of ordered pairs (a, b) of positive integers with a*b = {360 + i}. "
        "Think step by step and put the final answer in \\boxed{}."
        for i in range(count)
    ]


def child(args):
    """One engine, one setting: the numbers as a JSON line on stdout."""
    from vllm import LLM, SamplingParams

    max_num_seqs, max_num_batched_tokens = (int(v) for v in args.child.split(","))
    llm = LLM(
        model=args.model,
        dtype=args.dtype,
        enforce_eager=True,  # LightEval hard-codes this
        swap_space=4,
        seed=0,
        max_model_len=args.max_model_len,
        gpu_memory_utilization=args.gpu_memory_utilization,
        max_num_seqs=max_num_seqs,
        max_num_batched_tokens=max_num_batched_tokens,
    )
    params = SamplingParams(n=args.samples, temperature=0.6, top_p=0.95, max_tokens=args.max_new_tokens, seed=0)
    batch = prompts(args.prompts)
    started = time.perf_counter()
    outputs = llm.generate(batch, params)
    elapsed = time.perf_counter() - started
    generated = sum(len(c.token_ids) for o in outputs for c in o.outputs)
    prompt_tokens = sum(len(o.prompt_token_ids or []) for o in outputs)
    print(json.dumps({
        "max_num_seqs": max_num_seqs,
        "max_num_batched_tokens": max_num_batched_tokens,
        "prompts": len(batch),
        "samples_per_prompt": args.samples,
        "output_tokens": generated,
        "prompt_tokens": prompt_tokens,
        "seconds": round(elapsed, 1),
        "output_tokens_per_s": round(generated / elapsed, 1),
    }))


def parent(args):
    check_gpu()
    results = []
    for setting in args.setting:
        command = [sys.executable, os.path.abspath(__file__), "--child", setting] + [
            f"--{key.replace('_', '-')}={value}" for key, value in vars(args).items()
            if key not in ("setting", "child") and value is not None
        ]
        print(f"bench/throughput.py: max_num_seqs,max_num_batched_tokens = {setting} ...", file=sys.stderr)
        run = subprocess.run(command, stdout=subprocess.PIPE, text=True)
        if run.returncode != 0:
            fail(f"the run with {setting} failed (exit {run.returncode}); its log is above.")
        results.append(json.loads(run.stdout.strip().splitlines()[-1]))
    base = results[0]["output_tokens_per_s"]
    print(json.dumps({
        "model": args.model,
        "max_model_len": args.max_model_len,
        "gpu_memory_utilization": args.gpu_memory_utilization,
        "runs": results,
        "speedup_over_first": [round(r["output_tokens_per_s"] / base, 2) for r in results],
    }, indent=2))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True)
    p.add_argument("--max-model-len", type=int, required=True)
    p.add_argument("--gpu-memory-utilization", type=float, default=0.9)
    p.add_argument("--dtype", default="bfloat16")
    p.add_argument("--max-new-tokens", type=int, default=32768)
    p.add_argument("--prompts", type=int, default=64)
    p.add_argument("--samples", type=int, default=4)
    # LightEval's VLLMModelConfig defaults (v0.9.0 .. v0.13.0) come first: speedups are over them.
    p.add_argument("--setting", action="append", help="MAX_NUM_SEQS,MAX_NUM_BATCHED_TOKENS (repeatable)")
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args)
        return
    args.setting = args.setting or ["128,2048"]
    parent(args)


if __name__ == "__main__":
    main()
