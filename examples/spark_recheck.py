"""Re-check a portfolio on Spark with the fundsgate engine.

Every row of the input is a `fundsgate batch` request line (an id, the account
document as the provider sent it, the debit); Spark SQL picks the columns out of
each line, and `DataFrame.mapInArrow` hands Arrow record batches of them to
`fundsgate.decide_arrow`, the same Rust engine as the online gate, which returns
the verdict columns. The verdicts are written as Parquet (or JSON Lines).

Locally (what `examples/spark_recheck.sh` runs):

    python examples/spark_recheck.py --input requests.jsonl --output verdicts --now 1651516600

On a cluster (Databricks, EMR, Dataproc), install the `fundsgate` wheel on every
executor (it is abi3: one wheel for every Python >= 3.10 of the platform; build it
with `maturin build --release -m bindings/python/Cargo.toml`), e.g. as a cluster
library, a bootstrap action running `pip install fundsgate-*.whl`, or
`spark-submit --archives venv.tar.gz#environment` with a packed virtual environment,
then submit this file with `--master yarn` (or the platform's equivalent) and an
input path on the cluster's storage. A table that holds typed columns (status,
as_of, available, current, ...) instead of documents can be passed straight to
`decide_arrow`: see the README's Arrow section for the column names.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

import fundsgate

#: The verdict columns, as Spark types (what `decide_arrow(..., dictionary=False)` returns).
VERDICT_SCHEMA = T.StructType(
    [
        T.StructField("id", T.StringType()),
        T.StructField("decision", T.StringType()),
        T.StructField("reasons", T.ArrayType(T.StringType())),
        T.StructField("warnings", T.ArrayType(T.StringType())),
        T.StructField("basis", T.StringType()),
        T.StructField("balance", T.LongType()),
        T.StructField("required", T.LongType()),
        T.StructField("max_allowed", T.LongType()),
        T.StructField("rule", T.StringType()),
        T.StructField("refresh_action", T.StringType()),
        T.StructField("refresh_not_before", T.LongType()),
        T.StructField("retry_attempt", T.IntegerType()),
        T.StructField("error", T.StringType()),
    ]
)


def requests(spark: SparkSession, path: str) -> DataFrame:
    """The request lines of `path` as columns: the account document stays JSON
    text (`get_json_object` returns a member's raw text)."""
    lines = spark.read.text(path)

    def member(name: str) -> Column:
        return F.get_json_object("value", f"$.{name}")

    return lines.select(
        member("id").alias("id"),
        member("account").alias("account"),
        member("amount").cast("long").alias("amount"),
        member("currency").alias("currency"),
        member("in_flight").cast("long").alias("in_flight"),
        member("account_id").alias("account_id"),
        member("fetched_at").cast("long").alias("fetched_at"),
    )


def recheck(frame: DataFrame, now: int, policy_json: str | None = None) -> DataFrame:
    """The verdict of every row of `frame` (columns as `requests` gives them)."""

    def decide(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        policy = fundsgate.Policy(policy_json) if policy_json else None
        for batch in batches:
            # `id` is not a column fundsgate reads: carried through, and put first.
            verdicts = fundsgate.decide_arrow(
                batch, now=now, policy=policy, dictionary=False, passthrough=["id"]
            )
            names = ["id", *(n for n in verdicts.schema.names if n != "id")]
            columns: list[Any] = [verdicts.column(n) for n in names]
            yield pa.RecordBatch.from_arrays(columns, names=names)

    return frame.mapInArrow(decide, VERDICT_SCHEMA)


def session(master: str = "local[2]") -> SparkSession:
    # Local workers run this very interpreter, the one fundsgate is installed in.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return (
        SparkSession.builder.master(master)
        .appName("fundsgate-recheck")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "10000")
        .getOrCreate()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", required=True, help="JSON Lines of fundsgate batch requests")
    parser.add_argument("--output", required=True, help="a directory for the verdicts")
    parser.add_argument("--now", type=int, default=None, help="unix seconds [default: the clock]")
    parser.add_argument("--policy", default=None, help="a policy JSON file")
    parser.add_argument("--format", choices=["parquet", "json"], default="parquet")
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args()

    now = args.now if args.now is not None else int(time.time())
    policy_json = open(args.policy).read() if args.policy else None
    spark = session(args.master)
    start = time.perf_counter()
    verdicts = recheck(requests(spark, args.input), now, policy_json).cache()
    rows = verdicts.count()
    verdicts.write.mode("overwrite").format(args.format).save(args.output)
    seconds = time.perf_counter() - start
    print(f"{rows} rows re-checked in {seconds:.1f} s ({rows / seconds:,.0f} rows/s), written to {args.output}")
    verdicts.groupBy("decision").count().orderBy("decision").show()
    spark.stop()


if __name__ == "__main__":
    main()
