package io.datashard.internal.commit;

import io.datashard.Schema;
import io.datashard.ValidationException;
import io.datashard.internal.PartitionSpecs;
import io.datashard.internal.Transforms;
import io.datashard.internal.meta.PartitionSpec;
import io.datashard.internal.meta.TableMetadata;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/** The commits of schema and partition evolution: changes of the metadata alone. */
public final class TableEvolution {
  private TableEvolution() {}

  /**
   * A new current schema computed from the newest version by {@code change} (see {@link
   * io.datashard.UpdateSchema}). An unchanged schema commits nothing; a schema equal to an earlier
   * one of the table becomes current again under its old id.
   */
  public static MetadataCommit schema(Function<TableMetadata, Schema> change) {
    return new MetadataCommit(
        "schema change",
        base -> {
          Schema next = change.apply(base);
          if (next.sameColumns(base.schema())) {
            return null;
          }
          TableMetadata.Builder b = TableMetadata.buildFrom(base);
          for (Schema s : base.schemas()) {
            if (s.sameColumns(next)) {
              return b.currentSchemaId(s.schemaId());
            }
          }
          return b.addCurrentSchema(next);
        });
  }

  /**
   * A new default partition spec: the current one without the fields named in {@code removes} (by
   * term or field name) and with the {@code adds} terms. A spec equal to an earlier one becomes the
   * default again under its old id.
   */
  public static MetadataCommit partitioning(String root, List<String> adds, List<String> removes) {
    return new MetadataCommit(
        "partitioning change",
        base -> {
          Schema schema = base.schema();
          if (schema.columns().isEmpty()) {
            throw new ValidationException(
                "Table "
                    + root
                    + " has no schema yet, so it cannot be partitioned. "
                    + "Append data or create it with a schema first.");
          }
          PartitionSpec current = base.spec();
          List<PartitionSpec.Field> fields = new ArrayList<>(current.fields());
          for (String r : removes) {
            PartitionSpec.Field hit = null;
            for (PartitionSpec.Field f : fields) {
              if (f.name().equals(r)
                  || Transforms.term(f, schema).replace(" ", "").equals(r.replace(" ", ""))) {
                hit = f;
              }
            }
            if (hit == null) {
              throw new ValidationException(
                  "Cannot remove partition field '"
                      + r
                      + "': table "
                      + root
                      + " is partitioned by "
                      + PartitionSpecs.terms(current, schema)
                      + ". Name one of those.");
            }
            fields.remove(hit);
          }
          Set<String> names = new HashSet<>();
          fields.forEach(f -> names.add(f.name()));
          int next = Math.max(base.lastPartitionId(), current.lastAssignedFieldId());
          for (String a : adds) {
            PartitionSpec.Field f = Transforms.parseTerm(a, schema, next + 1);
            for (PartitionSpec.Field old : fields) {
              if (old.sourceId() == f.sourceId() && old.transform().equals(f.transform())) {
                throw new ValidationException(
                    "Cannot add partition term '"
                        + a
                        + "': table "
                        + root
                        + " is already partitioned by it.");
              }
            }
            // the same transform of the same column, in any earlier spec, keeps its field
            // id (and name)
            PartitionSpec.Field kept = null;
            for (PartitionSpec spec : base.specs()) {
              for (PartitionSpec.Field old : spec.fields()) {
                if (old.sourceId() == f.sourceId() && old.transform().equals(f.transform())) {
                  kept = old;
                }
              }
            }
            if (kept == null) {
              next++;
            } else {
              f = kept;
            }
            PartitionSpecs.checkName(f, names, schema, a);
            fields.add(f);
          }
          if (fields.equals(current.fields())) {
            return null;
          }
          TableMetadata.Builder b = TableMetadata.buildFrom(base);
          for (PartitionSpec s : base.specs()) {
            if (s.fields().equals(fields)) {
              return b.defaultSpecId(s.specId());
            }
          }
          int id = base.specs().stream().mapToInt(PartitionSpec::specId).max().orElse(-1) + 1;
          List<PartitionSpec> specs = new ArrayList<>(base.specs());
          specs.add(new PartitionSpec(id, fields));
          return b.specs(specs)
              .defaultSpecId(id)
              .lastPartitionId(Math.max(base.lastPartitionId(), next));
        });
  }
}
