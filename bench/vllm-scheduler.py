#!/usr/bin/env python3
"""Tokens/s of one model under LightEval's vLLM scheduler defaults vs the planner's settings.

Runs on a GPU node with vLLM installed (not in CI: this machine has no GPU):

    python bench/vllm-scheduler.py --model deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B \
        --planned-max-num-seqs 256 --planned-max-num-batched-tokens 8192

Each setting gets a fresh engine with LightEval's fixed choices (enforce_eager=True, the planner's
max_model_len and gpu_memory_utilization) and the same prompts, sampled like AIME (temperature
0.6, top_p 0.95, n samples per prompt, long generations). Printed: output tokens/s and wall time.
Use `--planned-*` values from `model-eval plan --json` (jobs[].lightevalModelArgs) for the model.
"""

import argparse
import gc
import json
import time


def run(model, max_num_seqs, max_num_batched_tokens, args):
    import torch
    from vllm import LLM, SamplingParams

    llm = LLM(
        model=model,
        dtype="bfloat16",
        enforce_eager=True,  # LightEval hard-codes this
        max_model_len=args.max_model_len,
        gpu_memory_utilization=args.gpu_memory_utilization,
        max_num_seqs=max_num_seqs,
        max_num_batched_tokens=max_num_batched_tokens,
        seed=0,
    )
    prompts = [
        f"Problem {i}: find the number of ordered pairs (a, b) of positive integers with a*b = {360 + i}. "
        "Think step by step and put the final answer in \\boxed{}."
        for i in range(args.prompts)
    ]
    params = SamplingParams(n=args.samples, temperature=0.6, top_p=0.95, max_tokens=args.max_new_tokens, seed=0)
    started = time.perf_counter()
    outputs = llm.generate(prompts, params)
    elapsed = time.perf_counter() - started
    tokens = sum(len(c.token_ids) for o in outputs for c in o.outputs)
    del llm
    gc.collect()
    torch.cuda.empty_cache()
    return {"max_num_seqs": max_num_seqs, "max_num_batched_tokens": max_num_batched_tokens,
            "output_tokens": tokens, "seconds": round(elapsed, 1), "tokens_per_s": round(tokens / elapsed, 1)}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True)
    p.add_argument("--planned-max-num-seqs", type=int, required=True)
    p.add_argument("--planned-max-num-batched-tokens", type=int, default=8192)
    p.add_argument("--max-model-len", type=int, default=33792)
    p.add_argument("--max-new-tokens", type=int, default=32768)
    p.add_argument("--gpu-memory-utilization", type=float, default=0.9)
    p.add_argument("--prompts", type=int, default=30)
    p.add_argument("--samples", type=int, default=8)
    args = p.parse_args()
    # LightEval's VLLMModelConfig defaults (src/lighteval/models/vllm/vllm_model.py, v0.9.0 .. v0.13.0).
    results = [run(args.model, 128, 2048, args),
               run(args.model, args.planned_max_num_seqs, args.planned_max_num_batched_tokens, args)]
    print(json.dumps({"model": args.model, "lighteval_defaults": results[0], "planned": results[1],
                      "speedup": round(results[1]["tokens_per_s"] / results[0]["tokens_per_s"], 2)}, indent=2))


if __name__ == "__main__":
    main()
