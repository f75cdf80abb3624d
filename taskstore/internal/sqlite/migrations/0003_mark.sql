-- Mark the file as an astrotask database: application_id 0x41535452
-- ("ASTR", sqlite.ApplicationID). Opening refuses a SQLite file with
-- another mark, or with none and other tables, so that a mistaken --db
-- never adds these tables to another application's database.
PRAGMA application_id = 1095980114;
