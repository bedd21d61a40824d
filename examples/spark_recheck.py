"""Re-check a portfolio on Spark with the fundsgate engine.

Every row of the input is a `fundsgate batch` request line (a payment id, the
account document as the provider sent it, the debit); Spark SQL picks the
columns out of each line. As `fundsgate batch` does, the job decides the rows of
one account in input order and counts each debit it allows against that
account's later rows (SPEC §5b): the rows are numbered as read, grouped by
account (`groupBy(...).applyInArrow`), sorted by number within each group and
handed as Arrow data to `fundsgate.decide_arrow`, the same Rust engine as the
online gate, which returns the verdict columns. Groups are decided in parallel;
a group is as large as one account's rows. The verdicts are written as Parquet
(or JSON Lines).

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
        T.StructField("exposure_count", T.IntegerType()),
        T.StructField("exposure_amount", T.LongType()),
        T.StructField("not_before", T.LongType()),
        T.StructField("error", T.StringType()),
    ]
)

#: Where an account's id stands in each kind of document, first match wins:
#: a Stripe event, a Stripe account, a Plaid response of one account, a
#: neutral snapshot. (The `account_id` column, when set, comes first.)
ACCOUNT_ID_PATHS = ("$.data.object.id", "$.id", "$.accounts[0].account_id", "$.account_id")

#: Buckets for rows without an account id: they never accumulate, so any
#: group decides them alike.
LOOSE_BUCKETS = 16


def requests(spark: SparkSession, path: str) -> DataFrame:
    """The request lines of `path` as columns, numbered in input order
    (`seq`): the account document stays JSON text (`get_json_object` returns
    a member's raw text). The request's `id` is the payment's id
    (`debit_id`), as in `fundsgate batch` for a string id."""
    lines = spark.read.text(path).withColumn("seq", F.monotonically_increasing_id())

    def member(name: str) -> Column:
        return F.get_json_object("value", f"$.{name}")

    frame = lines.select(
        "seq",
        member("id").alias("id"),
        member("account").alias("account"),
        member("amount").cast("long").alias("amount"),
        member("currency").alias("currency"),
        member("in_flight").cast("long").alias("in_flight"),
        member("account_id").alias("account_id"),
        member("fetched_at").cast("long").alias("fetched_at"),
    )
    return frame.withColumn("debit_id", F.col("id"))


def account_key(frame: DataFrame) -> Column:
    """The account a row's debit is taken from: the same account always has
    the same key (rows without an account id get one of a few buckets)."""
    found = F.coalesce(
        F.col("account_id"), *(F.get_json_object("account", path) for path in ACCOUNT_ID_PATHS)
    )
    loose = F.concat(F.lit("~"), (F.col("seq") % LOOSE_BUCKETS).cast("string"))
    return F.coalesce(found, loose)


def recheck(frame: DataFrame, now: int, policy_json: str | None = None) -> DataFrame:
    """The verdict of every row of `frame` (columns as `requests` gives them),
    each account's rows decided in input order as one run."""

    def decide(group: pa.Table) -> pa.Table:
        policy = fundsgate.Policy(policy_json) if policy_json else None
        rows = group.sort_by("seq").drop_columns(["key"])
        # `id` and `seq` are not columns fundsgate reads: carried through.
        verdicts = fundsgate.decide_arrow(
            rows, now=now, policy=policy, dictionary=False, passthrough=["id", "seq"]
        )
        names = ["id", *(n for n in verdicts.schema.names if n not in ("id", "seq"))]
        return verdicts.select(names)

    keyed = frame.withColumn("key", account_key(frame))
    return keyed.groupBy("key").applyInArrow(decide, VERDICT_SCHEMA)


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
