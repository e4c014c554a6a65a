"""`warroom import TABLE FILE`: validated, chunked, idempotent loading of growth facts.

How an import runs, in one transaction on the analytics store:

1. The file is read in chunks (CSV through pandas, Parquet by record batches), so memory
   stays bounded whatever the file size (reading). Each chunk's cells are parsed and
   checked (required, types, ranges, choices: parsing); good rows go to a temporary
   staging table through the bulk fast path (COPY on PostgreSQL, executemany on SQLite).
2. Checks that need the whole file or the database run in SQL on the staging table:
   duplicate keys inside the file and unknown channels, campaigns and users (staging).
3. With bad rows and no --skip-invalid the transaction is rolled back: nothing changes.
   Otherwise the bad rows go to a rejects file (rejects) and the rest is upserted on the
   primary key (INSERT ... SELECT ... ON CONFLICT DO UPDATE, only where a value differs),
   so importing the same file twice changes nothing.
4. An ImportRun row is recorded and the metric rollups are marked stale for the dates the
   file covers (run).

Which columns a table has and how they are checked comes from the models (specs).
"""

from bot.data.importer.report import ImportFailed, ImportReport
from bot.data.importer.run import import_file

__all__ = ["ImportFailed", "ImportReport", "import_file"]
