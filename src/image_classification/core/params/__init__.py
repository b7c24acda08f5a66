"""The typed parameter groups, one module per `conf/base/parameters_<pipeline>.yml`.

Here rather than in each pipeline: a stage reads other stages' settings (the advice
names training's and augmentation's, predict uses validation's limits), and a pipeline
never imports another pipeline.
"""
