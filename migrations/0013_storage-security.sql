-- Migration number: 0013 	 storage security: who started a chunked upload
-- An opaque keyed hash of the uploader's identity (src/services/storage/access.ts `uploaderOf`): only the
-- same identity may add chunks to a pending upload. '' (uploads begun before this column) matches nobody.
ALTER TABLE files ADD COLUMN creator TEXT NOT NULL DEFAULT '';
