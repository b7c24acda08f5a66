#!/usr/bin/env bash
# The Airflow check: the committed DAG is what kedro-airflow generates today, it
# imports in Airflow 3 without errors, and `airflow dags test` runs it to the end on a
# copy of the project with the bundled demo images.
#
#   airflow/check.sh VENV    (VENV: an environment built from airflow/requirements.lock)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=$1
DAG_ID=image_classification_retraining
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

"$VENV/bin/kedro" airflow create --pipelines retraining --group-by memory \
  --jinja-file airflow/dag_template.j2 --target-dir "$scratch/generated" >/dev/null
diff -u airflow/dags/"$DAG_ID"_dag.py "$scratch/generated/${DAG_ID}_dag.py" || {
  echo "airflow/check.sh: the committed DAG is stale: regenerate it (README)" >&2
  exit 1
}

project="$scratch/project"
mkdir -p "$project/data/01_raw" "$project/src"
cp -r conf pyproject.toml .telemetry "$project/"
rm -rf "$project/conf/local" && mkdir "$project/conf/local"
cp -r data/01_raw/demo "$project/data/01_raw/"
export IMAGE_CLASSIFICATION_PROJECT=$project
export AIRFLOW_HOME="$scratch/airflow" AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__DAGS_FOLDER="$PWD/airflow/dags"
"$VENV/bin/airflow" db migrate >/dev/null
errors=$("$VENV/bin/airflow" dags list-import-errors --local -o plain 2>&1 || true)
echo "$errors" | grep -q "No data found" || {
  echo "airflow/check.sh: import errors: $errors" >&2
  exit 1
}
"$VENV/bin/airflow" dags test "$DAG_ID" "$(date +%Y-%m-%d)" > "$scratch/dags-test.log" 2>&1 || {
  tail -50 "$scratch/dags-test.log" >&2
  exit 1
}
# The last task's output and the champion exist only if every task succeeded.
test -d "$project/data/08_reporting/retraining_runs.csv"
test -f "$project/data/06_models/champion/champion.json"
# The champion task ran in another session than the promotion decision: the registry
# must still name the promoted model.
"$VENV/bin/python" - "$project" <<'PYTHON'
import json, sys
from mlflow.tracking import MlflowClient
project = sys.argv[1]
champion = json.load(open(f"{project}/data/06_models/champion/champion.json"))
client = MlflowClient(f"sqlite:///{project}/data/09_tracking/mlflow.db")
version = client.get_model_version_by_alias("image_classification", "champion")
if version.tags.get("champion_id") != champion["champion_id"]:
    sys.exit(f"airflow/check.sh: the registry's champion is {version.tags}, not {champion}")
PYTHON
echo "airflow/check.sh: $DAG_ID imports and runs to the end (champion $(
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["champion_id"])' \
    "$project/data/06_models/champion/champion.json")) in ${SECONDS} s"
