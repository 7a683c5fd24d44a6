package io.datashard.internal.commit;

import io.datashard.DataFile;
import io.datashard.Schema;
import io.datashard.internal.manifest.ManifestIO;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files of an append written before its commit (see {@link DataWriter}): the data files, the
 * manifest that lists them and, for a change that replaces the whole table, manifests marking every
 * file of the base snapshot deleted.
 */
public final class StagedAppend {
  final Schema schema;
  final boolean inferredSchema;
  final long snapshotId;
  final List<DataFile> files;
  final ManifestIO.Manifest manifest;
  final boolean replacesAll;
  final List<ManifestIO.Manifest> deleteManifests;
  final List<DataFile> deleted;
  final Long basedOnSnapshotId;

  /** Table properties the commit sets when the base has none of that key (a name mapping). */
  final Map<String, String> defaultProperties = new LinkedHashMap<>();

  StagedAppend(
      Schema schema,
      boolean inferredSchema,
      long snapshotId,
      List<DataFile> files,
      ManifestIO.Manifest manifest,
      boolean replacesAll,
      List<ManifestIO.Manifest> deleteManifests,
      List<DataFile> deleted,
      Long basedOnSnapshotId) {
    this.schema = schema;
    this.inferredSchema = inferredSchema;
    this.snapshotId = snapshotId;
    this.files = List.copyOf(files);
    this.manifest = manifest;
    this.replacesAll = replacesAll;
    this.deleteManifests = List.copyOf(deleteManifests);
    this.deleted = List.copyOf(deleted);
    this.basedOnSnapshotId = basedOnSnapshotId;
  }

  /** The data files staged. */
  public List<DataFile> files() {
    return files;
  }

  /** Sets a table property at commit, unless the table already has the key. */
  public void defaultProperty(String key, String value) {
    defaultProperties.put(key, value);
  }
}
