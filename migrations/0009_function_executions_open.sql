-- Migration number: 0009 	 the execution sweeper scans only open executions (waiting/processing) by age
CREATE INDEX function_executions_open ON function_executions (updated_at) WHERE status IN ('waiting', 'processing');
