package io.datashard.internal.commit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datashard.CommitConflictException;
import io.datashard.Schema;
import io.datashard.TableProperties;
import io.datashard.ValidationException;
import io.datashard.internal.PartitionSpecs;
import io.datashard.internal.meta.PartitionSpec;
import io.datashard.internal.meta.TableMetadata;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Version 1 of a new table: its schema, partitioning and properties, and no snapshot. */
public final class NewTable {
  private NewTable() {}

  /**
   * Publishes version 1 at {@code ops}' location.
   *
   * @return false if another writer created the table first
   */
  public static boolean create(
      TableOperations ops,
      Schema schema,
      Map<String, String> properties,
      List<String> partitionTerms) {
    try {
      ops.commit(null, metadata(ops.root(), schema, properties, partitionTerms));
      return true;
    } catch (CommitConflictException e) {
      return false;
    }
  }

  /** The metadata of a new table at {@code root}. */
  public static TableMetadata metadata(
      String root, Schema schema, Map<String, String> properties, List<String> partitionTerms) {
    Schema s = schema == null ? new Schema(0, List.of()) : schema.withSchemaId(0);
    PartitionSpec spec = PartitionSpec.unpartitioned();
    if (!partitionTerms.isEmpty()) {
      if (s.columns().isEmpty()) {
        throw new ValidationException(
            "Cannot partition table "
                + root
                + " by "
                + partitionTerms
                + ": it has no schema yet. Create it with a schema to partition it.");
      }
      spec = PartitionSpecs.of(0, s, partitionTerms, PartitionSpec.FIRST_FIELD_ID - 1);
    }
    Map<String, String> props = new LinkedHashMap<>();
    props.put(TableProperties.DEFAULT_FILE_FORMAT, TableProperties.DEFAULT_FILE_FORMAT_DEFAULT);
    props.put(TableProperties.PARQUET_COMPRESSION, TableProperties.PARQUET_COMPRESSION_DEFAULT);
    props.putAll(properties);
    long now = System.currentTimeMillis();
    return TableMetadata.builder()
        .formatVersion(2)
        .tableUuid(UUID.randomUUID().toString())
        .location(root)
        .lastSequenceNumber(0)
        .lastUpdatedMillis(now)
        .lastColumnId(s.highestFieldId())
        .schemas(List.of(s))
        .currentSchemaId(0)
        .specs(List.of(spec))
        .defaultSpecId(0)
        .lastPartitionId(spec.lastAssignedFieldId())
        .sortOrders(List.of(unsortedOrder()))
        .defaultSortOrderId(0)
        .properties(props)
        .build();
  }

  private static JsonNode unsortedOrder() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("order-id", 0);
    n.putArray("fields");
    return n;
  }
}
