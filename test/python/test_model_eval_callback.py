"""Specification of integrations/python/model_eval_callback.py, against the project's GitHub emulator.

Run from the repository root: python3 -m unittest discover -s test/python -v
The emulator (test/emulators/github.ts) runs over real HTTP through test/python/github_emulator.ts,
which checks each request against GitHub's OpenAPI description.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import types
import unittest
from concurrent.futures import Future
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "integrations" / "python"))

import model_eval_callback as mec  # noqa: E402

DISPATCHES = "POST /repos/{owner}/{repo}/dispatches"
REPO = "octo-org/octo-repo"


class Emulator:
    """The GitHub emulator in a child process, driven by JSON lines on its stdin."""

    def __init__(self) -> None:
        tsx = ROOT / "node_modules" / ".bin" / "tsx"
        self.process = subprocess.Popen(
            [str(tsx), str(ROOT / "test" / "python" / "github_emulator.ts")],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        hello = json.loads(self._line())
        self.url: str = hello["url"]
        self.token: str = hello["tokens"]["installation"]

    def _line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the GitHub emulator exited; see its stderr above")
        return line

    def command(self, **command: object) -> dict:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return json.loads(self._line())

    def faults(self, *faults: dict) -> None:
        self.command(op="faults", route=DISPATCHES, faults=list(faults))

    def state(self) -> dict:
        return self.command(op="state")

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=20)


def train_state(step: int, rank0: bool = True) -> types.SimpleNamespace:
    """The two TrainerState fields the callback reads (transformers trainer_callback.py)."""
    return types.SimpleNamespace(global_step=step, is_world_process_zero=rank0)


class CapturingHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self, level: int) -> str:
        return "\n".join(r.getMessage() for r in self.records if r.levelno >= level)


class DispatchTestCase(unittest.TestCase):
    emulator: Emulator

    @classmethod
    def setUpClass(cls) -> None:
        cls.emulator = Emulator()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.emulator.close()

    def setUp(self) -> None:
        self.emulator.command(op="reset")
        self.sleeps: list = []
        self.log = logging.getLogger(f"test.{self.id()}")
        self.log.propagate = False
        self.handler = CapturingHandler()
        self.log.addHandler(self.handler)
        self.log.setLevel(logging.DEBUG)

    def tearDown(self) -> None:
        self.assertEqual(self.emulator.state()["violations"], [], "every request matched GitHub's OpenAPI")

    def callback(self, **options: object) -> mec.EvaluateCheckpointCallback:
        settings: dict = dict(
            repo=REPO, model="my-org/qwen-7b-grpo", token=self.emulator.token,
            api_url=self.emulator.url, logger=self.log, sleep=self.sleeps.append,
        )
        settings.update(options)
        return mec.EvaluateCheckpointCallback(**settings)  # type: ignore[arg-type]


class RequestEvaluationTest(DispatchTestCase):
    def request(self, **options: object) -> dict:
        settings: dict = dict(
            repo=REPO, model="my-org/qwen-7b-grpo", revision="step-1200", step=1200,
            token=self.emulator.token, api_url=self.emulator.url, sleep=self.sleeps.append,
            logger=self.log,
        )
        settings.update(options)
        return mec.request_evaluation(**settings)  # type: ignore[arg-type]

    def test_sends_the_payload_the_action_reads_as_an_evaluate_checkpoint_dispatch(self) -> None:
        self.request(benchmarks="aime24, math_500", baseline="my-org/qwen-7b@main")
        [dispatch] = self.emulator.state()["dispatches"]
        self.assertEqual(dispatch["repository"], REPO)
        self.assertEqual(dispatch["eventType"], "evaluate-checkpoint")
        self.assertEqual(dispatch["clientPayload"], {
            "model": "my-org/qwen-7b-grpo", "revision": "step-1200", "step": 1200,
            "benchmarks": ["aime24", "math_500"], "baseline": "my-org/qwen-7b@main",
        })

    def test_a_503_then_204_is_retried_after_the_retry_after_github_sent(self) -> None:
        self.emulator.faults({"status": 503, "headers": {"retry-after": "7"}})
        self.request()
        self.assertEqual(self.sleeps, [7.0])
        statuses = [c["status"] for c in self.emulator.state()["calls"]]
        self.assertEqual(statuses, [503, 204])
        self.assertEqual(len(self.emulator.state()["dispatches"]), 1)

    def test_without_retry_after_it_backs_off_exponentially_and_gives_up_after_max_attempts(self) -> None:
        self.emulator.faults({"status": 502}, {"status": 500}, {"status": 429})
        with self.assertRaises(mec.DispatchError) as raised:
            self.request(max_attempts=3, backoff=2.0)
        self.assertEqual(len(self.sleeps), 2)
        self.assertTrue(1.5 <= self.sleeps[0] <= 2.5 and 3.0 <= self.sleeps[1] <= 5.0, self.sleeps)
        self.assertIn("after 3 attempt(s)", raised.exception.message)
        self.assertIn("HTTP 429", raised.exception.message)
        self.assertEqual(self.emulator.state()["dispatches"], [])

    def test_a_403_is_not_retried_and_names_the_permission_the_token_lacks(self) -> None:
        self.emulator.faults({"status": 403, "message": "Resource not accessible by personal access token"})
        with self.assertRaises(mec.DispatchError) as raised:
            self.request()
        self.assertEqual(raised.exception.status, 403)
        self.assertIn("Resource not accessible by personal access token", raised.exception.message)
        self.assertIn("Contents: Read and write", raised.exception.hint)
        self.assertIn("'repo' scope", raised.exception.hint)
        self.assertEqual(self.sleeps, [])

    def test_a_secondary_rate_limit_403_with_retry_after_is_retried(self) -> None:
        self.emulator.faults({"status": 403, "message": "You have exceeded a secondary rate limit",
                              "headers": {"retry-after": "3"}})
        self.request()
        self.assertEqual(self.sleeps, [3.0])

    def test_a_401_and_a_404_say_what_to_fix(self) -> None:
        with self.assertRaises(mec.DispatchError) as bad_token:
            self.request(token="ghp_notAToken")
        self.assertEqual(bad_token.exception.status, 401)
        self.assertIn("create a new one", bad_token.exception.hint)
        self.emulator.faults({"status": 404, "message": "Not Found"})
        with self.assertRaises(mec.DispatchError) as hidden:
            self.request()
        self.assertIn("no access to a private repository", hidden.exception.hint)

    def test_a_hung_endpoint_times_out(self) -> None:
        self.emulator.faults({"hang": True}, {"hang": True})
        with self.assertRaises(mec.DispatchError) as raised:
            self.request(timeout=0.5, max_attempts=2)
        self.assertIn("no answer within 0.5 s", raised.exception.message)
        self.assertEqual(len(self.sleeps), 1)
        self.assertEqual(self.emulator.state()["dispatches"], [])

    def test_refuses_bad_arguments_before_sending_anything(self) -> None:
        for bad in ({"repo": "not-a-repo"}, {"model": "no-slash"}, {"revision": " "}, {"step": -1},
                    {"step": True}):
            with self.subTest(bad=bad), self.assertRaises(mec.DispatchError):
                self.request(**bad)
        self.assertEqual(self.emulator.state()["calls"], [])

    def test_without_any_token_it_says_which_to_set(self) -> None:
        saved = {name: os.environ.pop(name, None) for name in ("MODEL_EVAL_GITHUB_TOKEN", "GITHUB_TOKEN", "GH_TOKEN")}
        try:
            with self.assertRaises(mec.DispatchError) as raised:
                self.request(token=None)
        finally:
            for name, value in saved.items():
                if value is not None:
                    os.environ[name] = value
        self.assertIn("MODEL_EVAL_GITHUB_TOKEN", raised.exception.hint)


class CallbackTest(DispatchTestCase):
    def test_a_save_on_rank_0_dispatches_once_with_the_step_branch_and_off_the_training_thread(self) -> None:
        callback = self.callback(benchmarks=["aime24"])
        callback.on_save(types.SimpleNamespace(), train_state(1200), None)
        self.assertTrue(callback.wait(30))
        [dispatch] = self.emulator.state()["dispatches"]
        self.assertEqual(dispatch["clientPayload"], {
            "model": "my-org/qwen-7b-grpo", "revision": "step-1200", "step": 1200, "benchmarks": ["aime24"],
        })
        [outcome] = callback.outcomes
        self.assertTrue(outcome.ok)
        self.assertNotEqual(outcome.thread, threading.current_thread().name)

    def test_other_ranks_never_dispatch(self) -> None:
        callbacks = [self.callback() for _ in range(3)]
        for callback in callbacks:
            for step in (1000, 2000):
                callback.on_save(types.SimpleNamespace(), train_state(step, rank0=False), None)
        for callback in callbacks:
            self.assertTrue(callback.wait(30))
            self.assertEqual(callback.outcomes, [])
        self.assertEqual(self.emulator.state()["calls"], [])

    def test_every_n_steps_skips_the_saves_in_between(self) -> None:
        callback = self.callback(every=1000, revision="main-step-{step:09d}")
        for step in (500, 1000, 1500, 2000, 2500, 3100):
            callback.on_save(types.SimpleNamespace(), train_state(step), None)
        self.assertTrue(callback.wait(30))
        revisions = [d["clientPayload"]["revision"] for d in self.emulator.state()["dispatches"]]
        self.assertEqual(revisions, ["main-step-000001000", "main-step-000002000", "main-step-000003100"])

    def test_the_model_defaults_to_the_training_arguments_hub_model_id(self) -> None:
        callback = self.callback(model=None)
        callback.on_save(types.SimpleNamespace(hub_model_id="my-org/other"), train_state(10), None)
        self.assertTrue(callback.wait(30))
        self.assertEqual(self.emulator.state()["dispatches"][0]["clientPayload"]["model"], "my-org/other")

    def test_a_403_is_logged_with_its_hint_and_training_continues(self) -> None:
        self.emulator.faults({"status": 403, "message": "Resource not accessible by integration"})
        callback = self.callback()
        callback.on_save(types.SimpleNamespace(), train_state(100), None)
        self.assertTrue(callback.wait(30))
        # The next events of the training loop run as usual: nothing is raised.
        callback.on_step_end(types.SimpleNamespace(), train_state(101), None)
        callback.on_save(types.SimpleNamespace(), train_state(200), None)
        callback.on_train_end(types.SimpleNamespace(), train_state(200), None)
        errors = self.handler.text(logging.ERROR)
        self.assertIn("step 100", errors)
        self.assertIn("HTTP 403", errors)
        self.assertIn("Contents: Read and write", errors)
        self.assertIn("Training continues.", errors)
        self.assertEqual([o.ok for o in callback.outcomes], [False, True])

    def test_fatal_raises_the_failure_into_training_at_the_next_event(self) -> None:
        self.emulator.faults({"status": 403})
        callback = self.callback(fatal=True)
        callback.on_save(types.SimpleNamespace(), train_state(100), None)
        self.assertTrue(callback.wait(30))
        with self.assertRaises(mec.DispatchError) as raised:
            callback.on_step_end(types.SimpleNamespace(), train_state(101), None)
        self.assertEqual(raised.exception.status, 403)

    def test_a_hung_endpoint_times_out_without_blocking_training(self) -> None:
        self.emulator.faults({"hang": True})
        callback = self.callback(timeout=0.5, max_attempts=1)
        callback.on_save(types.SimpleNamespace(), train_state(100), None)
        # on_save returned while the request hangs: the training thread did not send it.
        self.assertTrue(callback.wait(30))
        [outcome] = callback.outcomes
        self.assertFalse(outcome.ok)
        self.assertIn("no answer within 0.5 s", str(outcome.error))
        self.assertNotEqual(outcome.thread, threading.current_thread().name)

    def test_pushed_commit_follows_the_trainers_every_save_push_and_says_when_a_step_was_skipped(self) -> None:
        # What Trainer._push_from_checkpoint leaves in trainer.push_in_progress.jobs: futures of CommitInfo.
        trainer = types.SimpleNamespace(push_in_progress=None)
        callback = self.callback(revision=mec.PUSHED_COMMIT, trainer=trainer)
        pushed: Future = Future()
        trainer.push_in_progress = types.SimpleNamespace(jobs=[pushed])
        callback.on_save(types.SimpleNamespace(), train_state(1000), None)
        pushed.set_result(types.SimpleNamespace(
            oid="91c54ad1727ee830252e457677f467be0bfd8a57", commit_message="Training in progress, step 1000"))
        # Step 2000's push was skipped (the previous upload was still running): same jobs, old step.
        callback.on_save(types.SimpleNamespace(), train_state(2000), None)
        self.assertTrue(callback.wait(30))
        [dispatch] = self.emulator.state()["dispatches"]
        self.assertEqual(dispatch["clientPayload"]["revision"], "91c54ad1727ee830252e457677f467be0bfd8a57")
        self.assertEqual(dispatch["clientPayload"]["step"], 1000)
        self.assertIn("step 2000 was not pushed", self.handler.text(logging.ERROR))

    def test_dispatch_after_waits_for_an_open_r1_style_push_future(self) -> None:
        callback = self.callback()
        future: Future = Future()
        callback.dispatch_after(future, step=3000, revision="main-step-000003000")
        self.assertEqual(self.emulator.state()["dispatches"], [])
        future.set_result(types.SimpleNamespace(oid="abc", commit_message="Add main-step-000003000 checkpoint"))
        self.assertTrue(callback.wait(30))
        [dispatch] = self.emulator.state()["dispatches"]
        self.assertEqual(dispatch["clientPayload"]["revision"], "main-step-000003000")

    def test_writes_the_payload_for_the_end_to_end_test_when_asked(self) -> None:
        """MODEL_EVAL_PAYLOAD_OUT=path: the dispatch as the emulator received it, for test/e2e."""
        out = os.environ.get("MODEL_EVAL_PAYLOAD_OUT")
        callback = self.callback(benchmarks=["math_500"], revision="step-{step}")
        callback.on_save(types.SimpleNamespace(), train_state(1300), None)
        self.assertTrue(callback.wait(30))
        [dispatch] = self.emulator.state()["dispatches"]
        self.assertEqual(dispatch["clientPayload"]["revision"], "step-1300")
        if out:
            Path(out).write_text(json.dumps(dispatch))


if __name__ == "__main__":
    unittest.main()
