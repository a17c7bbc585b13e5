"""A marketplace that outgrows one machine: a bucketed dataset and a Spark runner.

    dataset.partition(history, folder, buckets)   write the bucketed dataset
    dataset.Dataset.open(folder)                  read its manifest, load one bucket or all
    runner.map_buckets(dataset, work, master=...) one engine call per bucket inside Spark

`jobsuccess.spark.dataset` needs no Spark; `jobsuccess.spark.runner` imports pyspark when
called.
"""
