-- Migration number: 0015 	 proxy rules made by hand (POST /v1/proxy/rules/function|api): Appwrite's branch and logs
-- `api` rules have no deployment resource ('' in both columns). `logs` says why a rule is not verified.
ALTER TABLE rules ADD COLUMN branch TEXT NOT NULL DEFAULT '';
ALTER TABLE rules ADD COLUMN logs TEXT NOT NULL DEFAULT '';
