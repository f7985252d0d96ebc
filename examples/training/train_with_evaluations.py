"""Fine-tune with TRL and have model-eval-action evaluate every 1000th step's checkpoint.

Each save is pushed to its own branch `step-{step}` of the model repo (so an evaluation names exactly
that checkpoint, and LightEval's prediction cache, keyed by revision, is never stale), then one
`repository_dispatch` asks the evaluation workflow (examples/workflows/checkpoint.yml) to run.

    export HF_TOKEN=hf_...                      # write access to my-org/qwen-7b-grpo
    export MODEL_EVAL_GITHUB_TOKEN=github_pat_...  # Contents: Read and write on my-org/evals
    PYTHONPATH=path/to/model-eval-action/integrations/python accelerate launch train_with_evaluations.py
"""

from datasets import load_dataset
from huggingface_hub import create_branch, upload_folder
from transformers import TrainerCallback
from trl import SFTConfig, SFTTrainer

from model_eval_callback import EvaluateCheckpointCallback

MODEL_REPO = "my-org/qwen-7b-grpo"
EVAL_REPO = "my-org/evals"  # the repository whose workflow runs model-eval-action
evaluations = EvaluateCheckpointCallback(repo=EVAL_REPO, model=MODEL_REPO, benchmarks=["aime24", "math_500"])


class PushStepBranch(TrainerCallback):
    """Pushes each checkpoint folder to branch step-N, then requests its evaluation once uploaded."""

    def on_save(self, args, state, control, **kwargs):
        if not state.is_world_process_zero or state.global_step % 1000:
            return
        branch = f"step-{state.global_step}"
        create_branch(MODEL_REPO, branch=branch, exist_ok=True)
        future = upload_folder(
            repo_id=MODEL_REPO,
            folder_path=f"{args.output_dir}/checkpoint-{state.global_step}",
            revision=branch,
            ignore_patterns=["optimizer.pt", "*.pth"],  # weights and config only
            run_as_future=True,
        )
        # Off the training thread: waits for the upload, then dispatches; failures are logged only.
        evaluations.dispatch_after(future, step=state.global_step, revision=branch)


trainer = SFTTrainer(
    model="Qwen/Qwen2.5-7B-Instruct",
    train_dataset=load_dataset("trl-lib/Capybara", split="train"),
    args=SFTConfig(output_dir="out", save_steps=500),
    callbacks=[PushStepBranch()],
)
trainer.add_callback(evaluations)  # its on_train_end waits for the last dispatch
trainer.train()

# Simplest alternative, when something else already pushes step-N branches:
#   trainer.add_callback(EvaluateCheckpointCallback(repo=EVAL_REPO, model=MODEL_REPO, every=1000))
# or, with transformers' own push (push_to_hub=True, hub_strategy="every_save"):
#   from model_eval_callback import PUSHED_COMMIT
#   trainer.add_callback(EvaluateCheckpointCallback(repo=EVAL_REPO, revision=PUSHED_COMMIT, trainer=trainer))
