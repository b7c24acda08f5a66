"""Kedro hooks, registered in `settings.py`: what happens around every run besides its
nodes. ``run_setup`` checks the parameters, seeds the run and hands fsspec the object
store's credentials; ``tracking`` fills the MLflow run; ``run_summary`` prints what a
person reads at the end."""
