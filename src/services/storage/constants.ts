/** Appwrite's storage limits (app/init/constants.php), and Edgewrite's own where R2 differs. */

/** The SDKs' chunk size; every chunk but the last is exactly this long (R2's minimum part is 5 MiB). */
export const CHUNK_SIZE = 5 * 1024 * 1024;

/** APP_STORAGE_READ_BUFFER: files up to this size are compressed/encrypted and can be previewed. */
export const READ_BUFFER = 20 * 1000 * 1000;

/** MAX_OUTPUT_CHUNK_SIZE: an open-ended Range (`bytes=N-`) is served at most this long at a time. */
export const MAX_OUTPUT_CHUNK = 10 * 1024 * 1024;

/**
 * _APP_STORAGE_LIMIT: the largest `maximumFileSize` a bucket may have, and the default. Appwrite's
 * self-hosted default is 30 MB; R2 multipart allows far more, so Edgewrite allows 5 GB.
 */
export const STORAGE_LIMIT = 5_000_000_000;

/** An unfinished chunked upload untouched this long is aborted by the cron sweep. */
export const ABANDONED_UPLOAD_MS = 24 * 60 * 60 * 1000;

export const COMPRESSIONS = ["none", "gzip", "zstd"] as const;

/** The R2 key prefix of a project's and a bucket's objects. */
export const projectPrefix = (projectId: string) => `storage/${projectId}/`;
export const bucketPrefix = (projectId: string, bucketSeq: number) => `storage/${projectId}/${bucketSeq}/`;
