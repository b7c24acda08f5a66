"""One package per pipeline stage; `find_pipelines` registers each one."""
