"""Checks of the MLflow stack with the real MLflow client, through nginx (run by test-stack.sh).

Usage: python test_stack_client.py MODE [USER]
  workflow USER   create an experiment, log params/metrics/artifacts as USER, read them back
  allowed  USER   one authenticated API call as USER must succeed
  refused  USER [SECRET]  the same call as USER must fail with 401, at once (no retries);
                  SECRET names another file in $STACK_SECRETS (an old password)
  wrong    USER   the call with a wrong password for USER must fail with 401
  missing         the call without credentials must fail with 401

Credentials come from $STACK_SECRETS/USER, the file htpass --generate wrote; the client gets them
the documented way, MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD. Prints PASS/FAIL lines.
"""

import filecmp
import os
import sys
import tempfile
import time
import uuid

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'PASS' if ok else 'FAIL'} {name}{'' if ok else ': ' + detail}", flush=True)


def password(user):
    with open(os.path.join(os.environ["STACK_SECRETS"], user), encoding="utf-8") as f:
        return f.read().split("\n")[0]


def login(user, pw):
    os.environ.pop("MLFLOW_TRACKING_USERNAME", None)
    os.environ.pop("MLFLOW_TRACKING_PASSWORD", None)
    if user is not None:
        os.environ["MLFLOW_TRACKING_USERNAME"] = user
        os.environ["MLFLOW_TRACKING_PASSWORD"] = pw


def probe():
    """One cheap authenticated API call. Returns (ok, http status or None, seconds, message)."""
    start = time.monotonic()
    try:
        MlflowClient().search_experiments(max_results=1)
        return True, 200, time.monotonic() - start, ""
    except MlflowException as e:
        msg = str(e)
        status = 401 if ("401" in msg or "Unauthorized" in msg or "UNAUTHENTICATED" in msg) else None
        return False, status, time.monotonic() - start, msg.splitlines()[0][:200]


def expect_refused(name):
    ok, status, secs, msg = probe()
    check(f"{name}: 401", not ok and status == 401, f"ok={ok} status={status} {msg}")
    check(f"{name}: refused at once ({secs:.2f}s)", secs < 10, f"took {secs:.1f}s")


def workflow(user):
    login(user, password(user))
    client = MlflowClient()
    name = f"htpass-check-{uuid.uuid4().hex[:8]}"
    exp_id = mlflow.create_experiment(name)
    check("create experiment", bool(exp_id))
    check("read experiment back", client.get_experiment_by_name(name).experiment_id == exp_id)

    with tempfile.TemporaryDirectory() as tmp:
        small = os.path.join(tmp, "notes.txt")
        with open(small, "w", encoding="utf-8") as f:
            f.write("logged through nginx with Basic Auth\n")
        big = os.path.join(tmp, "weights.bin")  # over nginx's default 1 MB client_max_body_size
        with open(big, "wb") as f:
            f.write(os.urandom(3 * 1024 * 1024))

        with mlflow.start_run(experiment_id=exp_id) as run:
            mlflow.log_params({"lr": "0.01", "optimizer": "adam"})
            for step, loss in enumerate([0.9, 0.5, 0.25]):
                mlflow.log_metric("loss", loss, step=step)
            mlflow.log_artifact(small)
            mlflow.log_artifact(big, artifact_path="model")
        run_id = run.info.run_id

        got = client.get_run(run_id)
        check("params read back", got.data.params == {"lr": "0.01", "optimizer": "adam"}, str(got.data.params))
        history = [(m.step, m.value) for m in client.get_metric_history(run_id, "loss")]
        check("metric history read back", sorted(history) == [(0, 0.9), (1, 0.5), (2, 0.25)], str(history))

        listed = sorted(a.path for a in client.list_artifacts(run_id))
        check("artifacts listed", listed == ["model", "notes.txt"], str(listed))
        out = os.path.join(tmp, "download")
        os.mkdir(out)
        local = client.download_artifacts(run_id, "notes.txt", out)
        check("small artifact read back", filecmp.cmp(local, small, shallow=False))
        local = client.download_artifacts(run_id, "model/weights.bin", out)
        check("3 MB artifact read back (client_max_body_size)", filecmp.cmp(local, big, shallow=False))

    # --artifacts-destination: the bytes went through nginx to the server's store, not the client's disk.
    dest = os.path.join(os.environ["STACK_DIR"], "mlflow", "artifacts")
    found = [os.path.join(d, f) for d, _, fs in os.walk(dest) for f in fs if f == "weights.bin"]
    check("artifact stored under --artifacts-destination", len(found) == 1, str(found))
    check("artifact URI is proxied (mlflow-artifacts:)", got.info.artifact_uri.startswith("mlflow-artifacts:"),
          got.info.artifact_uri)


def main():
    mode = sys.argv[1]
    user = sys.argv[2] if len(sys.argv) > 2 else None
    secret = sys.argv[3] if len(sys.argv) > 3 else user
    if mode == "workflow":
        workflow(user)
    elif mode == "allowed":
        login(user, password(user))
        ok, status, _, msg = probe()
        check(f"{user} allowed", ok, f"status={status} {msg}")
    elif mode == "refused":
        login(user, password(secret))
        expect_refused(f"{user} (deleted or re-keyed) refused")
    elif mode == "wrong":
        login(user, password(user) + "x")
        expect_refused(f"{user} with a wrong password")
    elif mode == "missing":
        login(None, None)
        expect_refused("no credentials")
    else:
        sys.exit(f"unknown mode {mode}")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
