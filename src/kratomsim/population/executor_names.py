"""The names of the executors a population can run on, without loading them (for option help)."""

#: Serial in this process, a pool of local processes, or a Dask cluster.
EXECUTORS = ("serial", "processes", "dask")
