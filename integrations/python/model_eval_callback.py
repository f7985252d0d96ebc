"""Ask model-eval-action to evaluate a checkpoint, from inside a training run.

Standard library only (Python >= 3.9): copy this file next to your training script, or put
``integrations/python`` of the action's checkout on ``PYTHONPATH``. Nothing to install.

    from model_eval_callback import EvaluateCheckpointCallback

    trainer.add_callback(
        EvaluateCheckpointCallback(repo="org/evals", model="org/model", every=1000)
    )

Each save whose step is ``every`` steps past the last one requested sends one GitHub
``repository_dispatch`` event (type ``evaluate-checkpoint``) to ``repo``; the workflow there runs the
action, which evaluates ``model`` at the revision ``step-{step}`` (the template is configurable) and
waits for that revision to appear on the Hub when the upload is still running.

The token (``token=``, else ``MODEL_EVAL_GITHUB_TOKEN``, ``GITHUB_TOKEN`` or ``GH_TOKEN``) must be
allowed to create repository dispatch events on ``repo``: a fine-grained token needs
"Contents: Read and write" (and "Metadata: Read") on it, a classic token the ``repo`` scope
(sources: the endpoint's description in GitHub's OpenAPI document, @octokit/openapi
``api.github.com.json``, ``POST /repos/{owner}/{repo}/dispatches``: "personal access tokens (classic)
need the repo scope"; peter-evans/repository-dispatch README: fine-grained tokens need
"contents: read & write, metadata: read only").

Facts this module relies on, read in the sources (transformers through the code search index: its
repository is too large to fetch whole here, so these are the indexed files at commits 55093b75 and
01081ce2 of ``trainer_callback.py`` and an indexed copy of ``Trainer._push_from_checkpoint`` recent
enough to have ``hub_always_push``, ``on_push_begin`` and ``processing_class``; open-r1 at commit
1416fa0 of huggingface/open-r1):

- transformers ``src/transformers/trainer_callback.py`` (``TrainerState``, ``TrainerCallback``):
  callbacks get ``on_save(args, state, control, **kwargs)`` after a checkpoint is saved, on every
  process; ``state.global_step`` is the number of optimizer update steps done, and
  ``state.is_world_process_zero`` is True on exactly one process of a distributed run. So only that
  process dispatches here, and the class needs no import of transformers (it is duck-typed; the
  Trainer calls ``getattr(callback, event)`` for each event).
- transformers ``Trainer._push_from_checkpoint`` (``src/transformers/trainer.py``): with
  ``push_to_hub=True, hub_strategy="every_save"`` each save is uploaded by
  ``upload_folder(..., run_as_future=True, revision=args.hub_revision)`` with the commit message
  ``"Training in progress, step N"``, and the push of a save is *skipped* while the previous one is
  still uploading (unless ``hub_always_push=True``); the futures are kept in
  ``trainer.push_in_progress.jobs``. The push runs before the ``on_save`` event. Hence
  ``revision=PUSHED_COMMIT, trainer=trainer``: wait for that save's upload and evaluate its commit,
  and say so when a step was not pushed.
- huggingface_hub ``CommitInfo`` (``hf_api.py``): what ``upload_folder`` returns (also as the result
  of its future): ``oid`` is the commit hash, ``commit_message`` the summary line.
- open-r1 ``src/open_r1/utils/hub.py`` ``push_to_hub_revision``: creates the branch at the repo's
  *initial* commit, then uploads the folder as a future, so the branch exists before its files do;
  its callback (``utils/callbacks.py``) names branches ``{hub_model_revision}-step-{step:09d}`` and
  starts the evaluation in ``future.add_done_callback``. ``dispatch_after(future, step)`` does the
  same here, and the revision template accepts format specs (``"main-step-{step:09d}"``).
- LightEval (0.11+) caches predictions by model name and revision string: a moved branch such as
  ``main`` serves stale answers, so prefer a per-step branch or the pushed commit sha.

Dispatching runs on a background thread; a failure is logged with what to do and never raised into
training, unless ``fatal=True`` (then it is raised at the next callback event).
"""

from __future__ import annotations

import collections
import email.utils
import json
import logging
import os
import random
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Deque, Dict, List, Optional, Sequence, Union

__all__ = [
    "DEFAULT_API_URL",
    "EVENT_TYPE",
    "PUSHED_COMMIT",
    "DispatchError",
    "DispatchOutcome",
    "EvaluateCheckpointCallback",
    "build_payload",
    "request_evaluation",
]

EVENT_TYPE = "evaluate-checkpoint"
DEFAULT_API_URL = "https://api.github.com"
#: ``revision=PUSHED_COMMIT``: evaluate the commit the Trainer's own push of that save created.
PUSHED_COMMIT = "<pushed-commit>"

_LOG = logging.getLogger("model_eval_callback")
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_TOKEN_ENV = ("MODEL_EVAL_GITHUB_TOKEN", "GITHUB_TOKEN", "GH_TOKEN")
_PERMISSION = (
    "a fine-grained token needs 'Contents: Read and write' (and 'Metadata: Read') on {repo}, "
    "a classic token the 'repo' scope; its owner must have write access to {repo}, since the "
    "action's permission guard checks the event's sender"
)


class DispatchError(Exception):
    """The evaluation could not be requested: ``message`` says what happened, ``hint`` what to do."""

    def __init__(self, message: str, hint: str, status: Optional[int] = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.status = status

    def __str__(self) -> str:
        return f"{self.message.rstrip('.')}. {self.hint}"


class _Transient(Exception):
    """One attempt failed in a way worth retrying (5xx, 429, rate limit, network, timeout)."""

    def __init__(self, what: str, retry_after: Optional[float] = None) -> None:
        super().__init__(what)
        self.what = what
        self.retry_after = retry_after


def build_payload(
    model: str,
    revision: str,
    step: int,
    benchmarks: Union[None, str, Sequence[str]] = None,
    baseline: Optional[str] = None,
) -> Dict[str, Any]:
    """The ``client_payload`` the action reads (``model``, ``revision``, ``step``, ...), validated."""
    if not isinstance(model, str) or not _REPO.match(model):
        raise DispatchError(f"model {model!r} is not a Hub model id", "Pass model='org/name'.")
    if not isinstance(revision, str) or revision.strip() == "":
        raise DispatchError("the revision is empty", "Pass the branch, tag or commit the checkpoint was pushed to.")
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise DispatchError(f"step {step!r} is not a whole number >= 0", "Pass state.global_step.")
    payload: Dict[str, Any] = {"model": model, "revision": revision.strip(), "step": step}
    if benchmarks is not None:
        names = benchmarks.replace(",", " ").split() if isinstance(benchmarks, str) else list(benchmarks)
        if names:
            payload["benchmarks"] = [str(name).strip() for name in names]
    if baseline:
        payload["baseline"] = baseline
    return payload


def _token_from_env() -> Optional[str]:
    for name in _TOKEN_ENV:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def _retry_after_seconds(value: Optional[str]) -> Optional[float]:
    """``Retry-After`` is seconds or an HTTP date (RFC 9110 section 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _github_message(body: bytes) -> str:
    try:
        message = json.loads(body.decode("utf-8")).get("message")
    except (ValueError, AttributeError, UnicodeDecodeError):
        return body.decode("utf-8", "replace")[:200]
    return str(message) if message else ""


def _refusal(status: int, message: str, repo: str) -> DispatchError:
    """A 4xx that retrying cannot fix, with the permission or setting that is missing."""
    permission = _PERMISSION.format(repo=repo)
    said = f" ({message})" if message else ""
    if status == 401:
        return DispatchError(
            f"GitHub rejected the token (HTTP 401{said})",
            f"The token is wrong, revoked or expired: create a new one ({permission}) and pass it as "
            "token= or in MODEL_EVAL_GITHUB_TOKEN.",
            status,
        )
    if status == 403:
        return DispatchError(
            f"the token may not create repository_dispatch events on {repo} (HTTP 403{said})",
            f"Grant write access to the repository's contents: {permission}.",
            status,
        )
    if status == 404:
        return DispatchError(
            f"{repo} was not found, or the token cannot see it (HTTP 404{said})",
            f"Check repo='owner/name'. GitHub answers 404 when a token has no access to a private "
            f"repository: {permission}.",
            status,
        )
    if status == 422:
        return DispatchError(
            f"GitHub refused the dispatch (HTTP 422{said})",
            "event_type must be 1-100 characters and client_payload at most 10 top-level keys.",
            status,
        )
    return DispatchError(f"GitHub answered HTTP {status}{said}", "Check repo= and the token.", status)


def _attempt(url: str, data: bytes, token: str, timeout: float, repo: str) -> None:
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "User-Agent": "model-eval-callback",
            "X-GitHub-Api-Version": "2022-11-28",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return
    except urllib.error.HTTPError as error:
        status = error.code
        headers = error.headers
        message = _github_message(error.read())
        retry_after = _retry_after_seconds(headers.get("Retry-After") if headers else None)
        # GitHub's secondary rate limits answer 403 (or 429) with Retry-After or no remaining quota.
        rate_limited = status == 403 and (
            retry_after is not None or (headers is not None and headers.get("X-RateLimit-Remaining") == "0")
        )
        if status >= 500 or status == 429 or rate_limited:
            raise _Transient(f"HTTP {status}{f' ({message})' if message else ''}", retry_after) from None
        raise _refusal(status, message, repo) from None
    except (socket.timeout, TimeoutError):
        raise _Transient(f"no answer within {timeout:g} s") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, (socket.timeout, TimeoutError)):
            raise _Transient(f"no answer within {timeout:g} s") from None
        raise _Transient(f"cannot connect: {error.reason}") from None
    except (ConnectionError, OSError) as error:
        raise _Transient(f"connection failed: {error}") from None


def request_evaluation(
    repo: str,
    model: str,
    revision: str,
    step: int,
    benchmarks: Union[None, str, Sequence[str]] = None,
    baseline: Optional[str] = None,
    token: Optional[str] = None,
    *,
    api_url: Optional[str] = None,
    event_type: str = EVENT_TYPE,
    timeout: float = 10.0,
    max_attempts: int = 5,
    backoff: float = 2.0,
    max_delay: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
    logger: Optional[logging.Logger] = None,
) -> Dict[str, Any]:
    """Sends the ``repository_dispatch`` event that asks ``repo``'s workflow to evaluate a checkpoint.

    Each attempt waits at most ``timeout`` seconds; 5xx, 429, rate limits, network errors and
    timeouts are retried up to ``max_attempts`` attempts in all, after ``Retry-After`` when GitHub
    sends it, else after ``backoff * 2**n`` seconds with jitter (at most ``max_delay``).
    Returns the ``client_payload`` sent. Raises DispatchError (with ``hint``) when it cannot.
    """
    if not isinstance(repo, str) or not _REPO.match(repo):
        raise DispatchError(f"repo {repo!r} is not a GitHub repository", "Pass repo='owner/name'.")
    payload = build_payload(model, revision, step, benchmarks, baseline)
    token = (token or "").strip() or _token_from_env()
    if not token:
        raise DispatchError(
            "no GitHub token to send the dispatch with",
            f"Pass token= or set MODEL_EVAL_GITHUB_TOKEN; {_PERMISSION.format(repo=repo)}.",
        )
    base = (api_url or os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
    url = f"{base}/repos/{repo}/dispatches"
    data = json.dumps({"event_type": event_type, "client_payload": payload}).encode("utf-8")
    attempts = max(1, int(max_attempts))
    last = ""
    for attempt in range(1, attempts + 1):
        try:
            _attempt(url, data, token, timeout, repo)
            return payload
        except _Transient as problem:
            last = problem.what
            if attempt == attempts:
                break
            if problem.retry_after is not None:
                delay = min(max_delay, problem.retry_after)
            else:
                delay = min(max_delay, backoff * 2 ** (attempt - 1)) * random.uniform(0.75, 1.25)
            (logger or _LOG).warning(
                "model-eval: dispatch to %s failed (%s); retrying in %.1f s (attempt %d of %d)",
                repo, last, delay, attempt + 1, attempts,
            )
            sleep(delay)
    raise DispatchError(
        f"GitHub did not accept the dispatch to {url} after {attempts} attempt(s): {last}",
        "GitHub may be down (https://www.githubstatus.com) or unreachable from here: check the "
        "network, a proxy, or GITHUB_API_URL. The checkpoint can be evaluated later by hand "
        "(workflow_dispatch) or by calling request_evaluation again.",
    )


class DispatchOutcome:
    """What became of one requested evaluation (kept in ``callback.outcomes``)."""

    def __init__(self, step: int, revision: Optional[str], error: Optional[BaseException], thread: str) -> None:
        self.step = step
        self.revision = revision
        self.error = error
        #: The thread that sent it: never the training thread.
        self.thread = thread

    @property
    def ok(self) -> bool:
        return self.error is None

    def __repr__(self) -> str:
        return f"DispatchOutcome(step={self.step}, revision={self.revision!r}, ok={self.ok})"


class EvaluateCheckpointCallback:
    """A transformers/TRL ``TrainerCallback`` (duck-typed) that requests an evaluation per saved checkpoint.

    repo: the GitHub repository whose workflow runs model-eval-action on ``repository_dispatch``.
    model: the Hub model the checkpoints are pushed to (default: ``args.hub_model_id``).
    every: evaluate a save when its step is at least ``every`` steps past the last one requested.
    revision: a template formatted with ``step`` (``"step-{step}"``, ``"main-step-{step:09d}"``), a
        callable ``(args, state) -> str``, or ``PUSHED_COMMIT`` with ``trainer=`` (the commit of the
        Trainer's own ``hub_strategy="every_save"`` push of that save).
    fatal: raise a failed dispatch into training (at the next callback event) instead of logging it.
    wait_at_end: seconds ``on_train_end`` waits for dispatches still being sent.
    The other arguments go to ``request_evaluation``.
    """

    def __init__(
        self,
        repo: str,
        model: Optional[str] = None,
        every: int = 1,
        revision: Union[str, Callable[[Any, Any], str]] = "step-{step}",
        benchmarks: Union[None, str, Sequence[str]] = None,
        baseline: Optional[str] = None,
        token: Optional[str] = None,
        *,
        trainer: Any = None,
        fatal: bool = False,
        api_url: Optional[str] = None,
        event_type: str = EVENT_TYPE,
        timeout: float = 10.0,
        max_attempts: int = 5,
        push_timeout: float = 3600.0,
        wait_at_end: float = 120.0,
        logger: Optional[logging.Logger] = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not _REPO.match(repo or ""):
            raise ValueError(f"repo {repo!r} is not a GitHub repository: pass repo='owner/name'")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every={every!r}: pass a whole number of steps >= 1")
        if revision == PUSHED_COMMIT and trainer is None:
            raise ValueError("revision=PUSHED_COMMIT needs trainer= (the Trainer whose pushes to follow)")
        self.repo = repo
        self.model = model
        self.every = every
        self.revision = revision
        self.benchmarks = benchmarks
        self.baseline = baseline
        self.fatal = fatal
        self.push_timeout = push_timeout
        self.wait_at_end = wait_at_end
        self.trainer = trainer
        self.log = logger or _LOG
        self._request = dict(
            token=token, api_url=api_url, event_type=event_type, timeout=timeout,
            max_attempts=max_attempts, sleep=sleep, logger=self.log,
        )
        self.outcomes: List[DispatchOutcome] = []
        self._last_step: Optional[int] = None
        self._jobs: Deque[Callable[[], None]] = collections.deque()
        self._lock = threading.Lock()
        self._worker: Optional[threading.Thread] = None
        self._failures: Deque[DispatchError] = collections.deque()

    # -- transformers events -----------------------------------------------------------------

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._raise_if_failed()
        if not getattr(state, "is_world_process_zero", True):
            return
        step = int(getattr(state, "global_step", 0))
        if self._last_step is not None and step - self._last_step < self.every:
            return
        if self._last_step is None and step < self.every:
            return
        self._last_step = step
        model = self.model or getattr(args, "hub_model_id", None)
        if not model:
            self._fail(step, None, DispatchError(
                "no model to evaluate", "Pass model='org/name' or set hub_model_id in the training arguments."))
            return
        if self.revision == PUSHED_COMMIT:
            futures = list(getattr(getattr(self.trainer, "push_in_progress", None), "jobs", None) or [])
            self._enqueue(lambda: self._after_futures(futures, step, model, expect_step=True))
            return
        try:
            revision = self.revision(args, state) if callable(self.revision) else self.revision.format(step=step)
        except (KeyError, IndexError, ValueError) as error:
            self._fail(step, None, DispatchError(
                f"revision template {self.revision!r} cannot be formatted: {error}",
                "Use {step} (optionally with a format spec, e.g. {step:09d}) and no other field."))
            return
        self._enqueue(lambda: self._send(step, model, revision))

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._raise_if_failed()

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not self.wait(self.wait_at_end):
            self.log.warning(
                "model-eval: dispatches still being sent after %.0f s; they continue in the background",
                self.wait_at_end,
            )
        self._raise_if_failed()

    # -- chaining after your own push ----------------------------------------------------------

    def dispatch_after(self, future: Any, step: int, model: Optional[str] = None,
                       revision: Optional[str] = None) -> None:
        """Requests the evaluation once ``future`` (e.g. ``upload_folder(..., run_as_future=True)``) is done.

        The revision is ``revision`` if given, else the pushed commit (``future.result().oid``).
        Returns at once; call it from the main process only (as ``on_save`` does).
        """
        target = model or self.model
        if not target:
            raise ValueError("dispatch_after needs model= (or model= on the callback)")
        self._enqueue(lambda: self._after_futures([future], step, target, revision=revision))

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Waits until every queued dispatch is sent (or failed). False if ``timeout`` ran out first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                worker = self._worker
            if worker is None:
                return True
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return False
            worker.join(remaining)

    # -- internals -------------------------------------------------------------------------------

    def _enqueue(self, job: Callable[[], None]) -> None:
        with self._lock:
            self._jobs.append(job)
            if self._worker is None:
                # Not a daemon: the last checkpoint's dispatch still goes out when training returns.
                self._worker = threading.Thread(target=self._drain, name="model-eval-dispatch")
                self._worker.start()

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._jobs:
                    self._worker = None
                    return
                job = self._jobs.popleft()
            try:
                job()
            except Exception as error:  # a bug here must not kill the worker, nor training
                self.log.exception("model-eval: unexpected error while requesting an evaluation: %s", error)

    def _send(self, step: int, model: str, revision: str) -> None:
        try:
            request_evaluation(
                self.repo, model, revision, step, self.benchmarks, self.baseline, **self._request,
            )
        except DispatchError as error:
            self._fail(step, revision, error)
            return
        self.outcomes.append(DispatchOutcome(step, revision, None, threading.current_thread().name))
        self.log.info("model-eval: requested the evaluation of %s@%s (step %d) on %s", model, revision, step, self.repo)

    def _after_futures(self, futures: List[Any], step: int, model: str,
                       expect_step: bool = False, revision: Optional[str] = None) -> None:
        commit: Optional[str] = None
        for future in futures:
            try:
                result = future.result(timeout=self.push_timeout)
            except Exception as error:
                self._fail(step, None, DispatchError(
                    f"the push of step {step} failed or did not finish: {error!r}",
                    "Nothing was requested for this checkpoint; check the Hub upload (token, quota, network)."))
                return
            message = str(getattr(result, "commit_message", "") or "")
            oid = getattr(result, "oid", None)
            # Trainer: "Training in progress, step N" (or ", checkpoint" for the checkpoint folder push).
            if expect_step and not re.match(rf"^Training in progress, step {step}(\D|$)", message):
                continue
            if oid and commit is None:
                commit = str(oid)
        if revision is None and commit is None:
            self._fail(step, None, DispatchError(
                f"step {step} was not pushed to the Hub, so it is not evaluated",
                "transformers skips a push while the previous one is still uploading: set "
                "hub_always_push=True, or save less often than one upload takes.")
                if expect_step else DispatchError(
                    f"the push of step {step} returned no commit", "Pass revision= to dispatch_after."))
            return
        self._send(step, model, revision or str(commit))

    def _fail(self, step: int, revision: Optional[str], error: DispatchError) -> None:
        self.outcomes.append(DispatchOutcome(step, revision, error, threading.current_thread().name))
        self.log.error(
            "model-eval: could not request the evaluation of step %d%s: %s%s",
            step, f" ({revision})" if revision else "", error,
            "" if self.fatal else " Training continues.",
        )
        if self.fatal:
            self._failures.append(error)

    def _raise_if_failed(self) -> None:
        if self.fatal and self._failures:
            raise self._failures.popleft()
