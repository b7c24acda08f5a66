#!/usr/bin/env bash
# The Airflow check: the committed DAG is what kedro-airflow generates today, it
# imports in Airflow 3 without errors, and `airflow dags test` runs it to the end on the
# bundled demo images twice:
#   1. one machine: every task in one copy of the project, sharing its data/ folder;
#   2. separate workers: every task in a new, empty folder holding only the project's
#      configuration (`--env cloud`); they share nothing but a bucket (an S3-compatible
#      server on 127.0.0.1) and an MLflow tracking server whose artifacts go there.
# Each time the champion, the run table and the MLflow registry's `champion` alias must
# name the promoted model. On the one machine the DAG then runs for a second date with
# nothing changed: it must skip training (as `kedro retrain` says "up to date") and
# leave the run table as it was.
#
#   airflow/check.sh VENV [SERVERS]
#   VENV: an environment built from airflow/requirements.lock; SERVERS: one with
#   moto[server] and mlflow for the test servers (default .venv, the project's).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=$1
SERVERS=${2:-.venv}
DAG_ID=image_classification_retraining
scratch=$(mktemp -d)
server_groups=()
cleanup() {
  for group in "${server_groups[@]}"; do kill -- "-$group" 2>/dev/null || true; done
  rm -rf "$scratch"
}
trap cleanup EXIT

"$VENV/bin/kedro" airflow create --pipelines retraining --group-by memory \
  --jinja-file airflow/dag_template.j2 --target-dir "$scratch/generated" >/dev/null
diff -u airflow/dags/"$DAG_ID"_dag.py "$scratch/generated/${DAG_ID}_dag.py" || {
  echo "airflow/check.sh: the committed DAG is stale: regenerate it (README)" >&2
  exit 1
}

export AIRFLOW_HOME="$scratch/airflow" AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__DAGS_FOLDER="$PWD/airflow/dags"
"$VENV/bin/airflow" db migrate >/dev/null
errors=$("$VENV/bin/airflow" dags list-import-errors --local -o plain 2>&1 || true)
echo "$errors" | grep -q "No data found" || {
  echo "airflow/check.sh: import errors: $errors" >&2
  exit 1
}

# Run the DAG for its own logical date (a second run of one date would clash).
run_dag() {
  local day=$1 log="$scratch/dags-test-$1.log"
  "$VENV/bin/airflow" dags test "$DAG_ID" "$day" >"$log" 2>&1 || {
    tail -50 "$log" >&2
    exit 1
  }
}

# The champion, the run table and the registry's alias, wherever the outputs are.
# The champion task ran in another session than the promotion decision: the registry
# must still name the promoted model.
check_outputs() {
  "$VENV/bin/python" - "$@" <<'PYTHON'
import json, sys
import fsspec
from mlflow.tracking import MlflowClient
data_root, tracking_uri = sys.argv[1], sys.argv[2]
fs, root = fsspec.core.url_to_fs(data_root)
champion = json.loads(fs.cat_file(f"{root}/06_models/champion/champion.json"))
if not fs.glob(f"{root}/08_reporting/retraining_runs.csv/*/retraining_runs.csv"):
    sys.exit(f"airflow/check.sh: no run table under {data_root}")
version = MlflowClient(tracking_uri).get_model_version_by_alias(
    "image_classification", "champion"
)
if version.tags.get("champion_id") != champion["champion_id"]:
    sys.exit(f"airflow/check.sh: the registry's champion is {version.tags}, not {champion}")
print(champion["champion_id"])
PYTHON
}

# 1. One machine.
project="$scratch/project"
mkdir -p "$project/data/01_raw" "$project/src"
cp -r conf pyproject.toml .telemetry "$project/"
rm -rf "$project/conf/local" && mkdir "$project/conf/local"
cp -r data/01_raw/demo "$project/data/01_raw/"
IMAGE_CLASSIFICATION_PROJECT=$project run_dag 2026-11-01
champion=$(check_outputs "$project/data" "sqlite:///$project/data/09_tracking/mlflow.db")
echo "airflow/check.sh: $DAG_ID runs to the end on one machine (champion $champion)"
run_rows() { ls "$project"/data/08_reporting/retraining_runs.csv/*/retraining_runs.csv | wc -l; }
rows=$(run_rows)
started=$SECONDS
IMAGE_CLASSIFICATION_PROJECT=$project run_dag 2026-11-03
grep -q "up to date: the raw images" \
  "$scratch/dags-test-2026-11-03.log" && [ "$(run_rows)" = "$rows" ] || {
  echo "airflow/check.sh: the DAG retrained although nothing changed" >&2
  tail -30 "$scratch/dags-test-2026-11-03.log" >&2
  exit 1
}
echo "airflow/check.sh: run again with nothing changed, it skipped training" \
  "($((SECONDS - started)) s)"

# 2. Separate workers.
free_port() { "$SERVERS/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
s3_port=$(free_port)
mlflow_port=$(free_port)
endpoint="http://127.0.0.1:$s3_port"
storage=(AWS_ACCESS_KEY_ID=check AWS_SECRET_ACCESS_KEY=check AWS_DEFAULT_REGION=us-east-1
  AWS_ENDPOINT_URL="$endpoint" MLFLOW_S3_ENDPOINT_URL="$endpoint")
setsid "$SERVERS/bin/moto_server" -H 127.0.0.1 -p "$s3_port" >"$scratch/moto.log" 2>&1 &
server_groups+=($!)
env "${storage[@]}" "$SERVERS/bin/python" - "$PWD/data/01_raw/demo" <<'PYTHON'
import sys, time
import s3fs
for _ in range(300):
    try:
        fs = s3fs.S3FileSystem()
        fs.mkdir("airflow-check")
        break
    except Exception:
        time.sleep(0.2)
fs.mkdir("mlflow-artifacts")
fs.put(f"{sys.argv[1]}/", "airflow-check/images/demo/", recursive=True)
PYTHON
setsid env "${storage[@]}" "$SERVERS/bin/mlflow" server --host 127.0.0.1 --port "$mlflow_port" \
  --workers 1 --backend-store-uri "sqlite:///$scratch/mlflow-server.db" \
  --artifacts-destination s3://mlflow-artifacts >"$scratch/mlflow.log" 2>&1 &
server_groups+=($!)
tracking="http://127.0.0.1:$mlflow_port"
for _ in $(seq 240); do
  "$SERVERS/bin/python" -c "import urllib.request as u; u.urlopen('$tracking/health', timeout=2)" \
    2>/dev/null && break
  sleep 0.5
done

cloud="$scratch/cloud"
mkdir -p "$cloud/src"
cp -r conf pyproject.toml .telemetry "$cloud/"
rm -rf "$cloud/conf/local" && mkdir "$cloud/conf/local"
cat >"$cloud/conf/cloud/globals.yml" <<YAML
bucket_url: s3://airflow-check
raw_image_dir: \${bucket_url}/images/demo
data_root: \${bucket_url}/data
mlflow_tracking_uri: $tracking
YAML
cat >"$cloud/conf/cloud/credentials.yml" <<YAML
object_storage:
  s3: {key: check, secret: check, client_kwargs: {endpoint_url: "$endpoint"}}
YAML
IMAGE_CLASSIFICATION_PROJECT=$cloud IMAGE_CLASSIFICATION_ENV=cloud \
  IMAGE_CLASSIFICATION_FRESH_WORKDIR=1 run_dag 2026-11-02
test ! -e "$cloud/data" || {
  echo "airflow/check.sh: a task wrote into the project folder" >&2
  exit 1
}
champion=$(export "${storage[@]}" && check_outputs s3://airflow-check/data "$tracking")
echo "airflow/check.sh: $DAG_ID runs to the end on separate workers, sharing only the" \
  "bucket and the MLflow server (champion $champion); both checks in ${SECONDS} s"
