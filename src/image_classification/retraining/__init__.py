"""Scheduled retraining in one place: whether to run (``fingerprint``), one run at a
time (``lock``), the champion/challenger rule (``decision``), the model registry
(``registry``) and `kedro retrain` itself (``job``). The command line, the
`retraining` pipeline and the Airflow DAG all call these."""
