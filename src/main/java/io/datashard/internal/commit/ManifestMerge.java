package io.datashard.internal.commit;

import io.datashard.TableProperties;
import io.datashard.internal.FileNames;
import io.datashard.internal.manifest.ManifestIO;
import io.datashard.internal.meta.TableMetadata;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps the number of manifests per snapshot bounded: once a snapshot would list at least {@link
 * TableProperties#MANIFEST_MIN_MERGE_COUNT} data manifests, small manifests (below {@link
 * TableProperties#MANIFEST_TARGET_SIZE_BYTES}) are rewritten into larger ones, carrying their live
 * files over as EXISTING entries with their original snapshot ids and sequence numbers. Off with
 * {@link TableProperties#MANIFEST_MERGE_ENABLED} false.
 *
 * <p>Merging is size-tiered, so that what a commit rewrites does not grow with the table: small
 * manifests are grouped by partition spec and by tier (the number of file entries, in powers of
 * {@link #FANOUT}), and only a group with at least {@link #FANOUT} members is merged, which puts
 * the result in a higher tier. The many one-commit manifests are merged often; a large merged
 * manifest is rewritten only once enough others of its size have gathered, so each file entry is
 * rewritten a few times in all (about one per tier) instead of once every {@code
 * min-count-to-merge} commits.
 */
final class ManifestMerge {
  /**
   * How many manifests of one tier are merged together; also the ratio of entry counts between
   * tiers.
   */
  static final int FANOUT = 4;

  private ManifestMerge() {}

  /**
   * The manifests of a new snapshot on {@code base} whose manifests would be {@code manifests},
   * with small ones merged into new attempt files of {@code files}.
   */
  static List<ManifestIO.Manifest> merge(
      TableOperations ops,
      TableMetadata base,
      List<ManifestIO.Manifest> manifests,
      long snapshotId,
      CommitFiles files)
      throws IOException {
    if (!Boolean.parseBoolean(
        base.property(
            TableProperties.MANIFEST_MERGE_ENABLED,
            Boolean.toString(TableProperties.MANIFEST_MERGE_ENABLED_DEFAULT)))) {
      return manifests;
    }
    long minCount =
        base.propertyLong(
            TableProperties.MANIFEST_MIN_MERGE_COUNT,
            TableProperties.MANIFEST_MIN_MERGE_COUNT_DEFAULT);
    long targetSize =
        base.propertyLong(
            TableProperties.MANIFEST_TARGET_SIZE_BYTES,
            TableProperties.MANIFEST_TARGET_SIZE_BYTES_DEFAULT);
    long dataManifests = manifests.stream().filter(m -> !m.isDeletes()).count();
    if (dataManifests + 1 < minCount) {
      return manifests;
    }
    List<ManifestIO.Manifest> out = new ArrayList<>();
    Map<List<Integer>, List<ManifestIO.Manifest>> groups = new LinkedHashMap<>();
    for (ManifestIO.Manifest m : manifests) {
      if (!m.isDeletes() && m.length < targetSize && base.spec(m.specId) != null) {
        groups.computeIfAbsent(List.of(m.specId, tier(m)), k -> new ArrayList<>()).add(m);
      } else {
        out.add(m);
      }
    }
    for (Map.Entry<List<Integer>, List<ManifestIO.Manifest>> group : groups.entrySet()) {
      if (group.getValue().size() < FANOUT) {
        out.addAll(group.getValue());
        continue;
      }
      int specId = group.getKey().get(0);
      List<ManifestIO.Manifest> bin = new ArrayList<>();
      long binSize = 0;
      for (ManifestIO.Manifest m : group.getValue()) {
        if (!bin.isEmpty() && binSize + m.length > targetSize) {
          out.add(mergeBin(ops, base, specId, bin, snapshotId, files));
          bin = new ArrayList<>();
          binSize = 0;
        }
        bin.add(m);
        binSize += m.length;
      }
      if (bin.size() == 1) {
        out.add(bin.get(0));
      } else if (!bin.isEmpty()) {
        out.add(mergeBin(ops, base, specId, bin, snapshotId, files));
      }
    }
    return out;
  }

  /** The merge tier of a manifest: floor(log base {@link #FANOUT} of its number of entries). */
  static int tier(ManifestIO.Manifest m) {
    long entries =
        Math.max(
            1L,
            (long) Math.max(0, m.addedFiles)
                + Math.max(0, m.existingFiles)
                + Math.max(0, m.deletedFiles));
    int tier = 0;
    for (long n = entries; n >= FANOUT; n /= FANOUT) {
      tier++;
    }
    return tier;
  }

  private static ManifestIO.Manifest mergeBin(
      TableOperations ops,
      TableMetadata base,
      int specId,
      List<ManifestIO.Manifest> bin,
      long snapshotId,
      CommitFiles files)
      throws IOException {
    List<ManifestIO.Entry> entries = new ArrayList<>();
    for (ManifestIO.Manifest m : bin) {
      entries.addAll(ManifestIO.liveEntries(ops.storage(), m, ops::resolvePath));
    }
    String location =
        files.add(ops.metadataDir() + "/" + FileNames.manifest(FileNames.ManifestKind.MERGED));
    return ManifestIO.writeExisting(
        files.storage(), location, base.schema(), base.spec(specId), snapshotId, entries);
  }
}
