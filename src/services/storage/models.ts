import { formatDate } from "../../core/time";
import type { Bucket, StoredFile } from "../../db/schema";

/** Appwrite's Bucket model. Antivirus is always reported off: no scanner runs on Workers. */
export function bucketModel(b: Bucket, totalSize = 0) {
  return {
    $id: b.id,
    $createdAt: formatDate(b.createdAt),
    $updatedAt: formatDate(b.updatedAt),
    $permissions: b.permissions,
    fileSecurity: b.fileSecurity,
    name: b.name,
    enabled: b.enabled,
    maximumFileSize: b.maximumFileSize,
    allowedFileExtensions: b.allowedFileExtensions,
    compression: b.compression,
    encryption: b.encryption,
    antivirus: false,
    transformations: b.transformations,
    totalSize,
  };
}

/** Appwrite's File model (`key` = folder + name; `encryption` = stored encrypted). */
export function fileModel(f: StoredFile) {
  return {
    $id: f.id,
    bucketId: f.bucketId,
    $createdAt: formatDate(f.createdAt),
    $updatedAt: formatDate(f.updatedAt),
    $permissions: f.permissions,
    name: f.name,
    folder: f.folder,
    key: f.folder + f.name,
    signature: f.signature,
    mimeType: f.mimeType,
    sizeOriginal: f.sizeOriginal,
    sizeActual: f.sizeActual,
    chunksTotal: f.chunksTotal,
    chunksUploaded: f.chunksUploaded,
    encryption: !!f.cipher,
    compression: f.algorithm,
  };
}

export type FileModel = ReturnType<typeof fileModel>;
