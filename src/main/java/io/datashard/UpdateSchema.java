package io.datashard;

import io.datashard.internal.TableCore;
import io.datashard.internal.commit.TableEvolution;
import io.datashard.internal.meta.PartitionSpec;
import io.datashard.internal.meta.TableMetadata;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Changes the table's schema by field id, as Apache Iceberg does: columns keep their ids when they
 * are renamed or moved, a dropped column's id is never reused, and data files written under an
 * older schema are read under the new one (a renamed column keeps its values, an added column reads
 * as null in older files, a widened column is converted on read). No data file is rewritten.
 *
 * <pre>{@code
 * Schema s = table.updateSchema()
 *     .addColumn("score", Types.DOUBLE)
 *     .renameColumn("tag", "label")
 *     .widenColumn("count", Types.LONG)
 *     .dropColumn("old")
 *     .moveFirst("id")
 *     .commit();
 * }</pre>
 *
 * <p>Names may be dotted paths into structs ({@code "point.x"}). The changes are applied in order,
 * at commit time, to the newest schema; the commit is retried if another writer committed first.
 * Appends that were written against the previous schema still commit: their files are read by field
 * id. Table format v2 has no column defaults, so a new column is always optional.
 */
public final class UpdateSchema {
  private final TableCore core;
  private final List<UnaryOperator<List<Types.NestedField>>> changes = new ArrayList<>();
  private final List<String> added = new ArrayList<>();

  UpdateSchema(TableCore core) {
    this.core = core;
  }

  /** Adds an optional column at the end (of the struct named by the path's parent). */
  public UpdateSchema addColumn(String name, Type type) {
    return addColumn(name, type, null);
  }

  /** Adds an optional column with a description. */
  public UpdateSchema addColumn(String name, Type type, String doc) {
    Objects.requireNonNull(type, "type");
    String[] path = split(name);
    String leaf = path[path.length - 1];
    added.add(name);
    changes.add(
        fields ->
            inParent(
                fields,
                path,
                siblings -> {
                  if (find(siblings, leaf) != null) {
                    throw invalid(
                        "Cannot add column '"
                            + name
                            + "': a column of that name exists. Choose another name, or "
                            + "drop or rename the existing column first.");
                  }
                  List<Types.NestedField> out = new ArrayList<>(siblings);
                  // placeholder id 0; fresh ids are assigned from last-column-id at commit
                  out.add(Types.NestedField.of(0, leaf, false, type, doc));
                  return out;
                }));
    return this;
  }

  /**
   * Refused: table format v2 cannot add a required column, since files written before have no value
   * for it and v2 has no column defaults. Add it as optional ({@link #addColumn}).
   */
  public UpdateSchema addRequiredColumn(String name, Type type) {
    throw invalid(
        "Cannot add required column '"
            + name
            + "': files written before have no value for it, and "
            + "Iceberg table format v2 has no column defaults. Add it as optional (addColumn) instead.");
  }

  /** Drops a column; its values stay in old files but are no longer read. */
  public UpdateSchema dropColumn(String name) {
    String[] path = split(name);
    changes.add(
        fields ->
            inParent(
                fields,
                path,
                siblings -> {
                  Types.NestedField f = require(siblings, path, name);
                  List<Types.NestedField> out = new ArrayList<>(siblings);
                  out.remove(f);
                  if (out.isEmpty()) {
                    throw invalid(
                        "Cannot drop column '"
                            + name
                            + "': it is the last field of its struct. Add another "
                            + "column first, or drop the whole struct.");
                  }
                  return out;
                }));
    return this;
  }

  /** Renames a column; old files keep their values under the new name (matched by field id). */
  public UpdateSchema renameColumn(String name, String newName) {
    Objects.requireNonNull(newName, "newName");
    if (newName.isEmpty() || newName.contains(".")) {
      throw invalid(
          "Cannot rename column '"
              + name
              + "' to '"
              + newName
              + "': a new name must be non-empty and "
              + "without dots (it names a field within the same struct).");
    }
    String[] path = split(name);
    changes.add(
        fields ->
            inParent(
                fields,
                path,
                siblings -> {
                  Types.NestedField f = require(siblings, path, name);
                  if (!newName.equals(f.name()) && find(siblings, newName) != null) {
                    throw invalid(
                        "Cannot rename column '"
                            + name
                            + "' to '"
                            + newName
                            + "': a column of that name exists. "
                            + "Drop or rename that one first.");
                  }
                  return replace(
                      siblings,
                      f,
                      Types.NestedField.of(f.id(), newName, f.isRequired(), f.type(), f.doc()));
                }));
    return this;
  }

  /**
   * Widens a column's type: int to long, float to double, or decimal(P, S) to decimal(P2, S) with
   * P2 &gt;= P. Old files are converted on read.
   */
  public UpdateSchema widenColumn(String name, Type newType) {
    Objects.requireNonNull(newType, "newType");
    String[] path = split(name);
    changes.add(
        fields ->
            inParent(
                fields,
                path,
                siblings -> {
                  Types.NestedField f = require(siblings, path, name);
                  if (!canWiden(f.type(), newType)) {
                    throw invalid(
                        "Cannot change column '"
                            + name
                            + "' from "
                            + f.type()
                            + " to "
                            + newType
                            + ": only int to "
                            + "long, float to double and decimal(P,S) to decimal(P2,S) with P2 >= P are allowed, because older "
                            + "files must still read correctly. Add a new column and fill it instead.");
                  }
                  return replace(
                      siblings,
                      f,
                      Types.NestedField.of(f.id(), f.name(), f.isRequired(), newType, f.doc()));
                }));
    return this;
  }

  /** Lets a required column hold nulls from now on. */
  public UpdateSchema makeOptional(String name) {
    String[] path = split(name);
    changes.add(
        fields ->
            inParent(
                fields,
                path,
                siblings -> {
                  Types.NestedField f = require(siblings, path, name);
                  return replace(
                      siblings,
                      f,
                      Types.NestedField.of(f.id(), f.name(), false, f.type(), f.doc()));
                }));
    return this;
  }

  /** Sets a column's description (null removes it). */
  public UpdateSchema updateDoc(String name, String doc) {
    String[] path = split(name);
    changes.add(
        fields ->
            inParent(
                fields,
                path,
                siblings -> {
                  Types.NestedField f = require(siblings, path, name);
                  return replace(
                      siblings,
                      f,
                      Types.NestedField.of(f.id(), f.name(), f.isRequired(), f.type(), doc));
                }));
    return this;
  }

  /** Moves a column to the first position of its struct. */
  public UpdateSchema moveFirst(String name) {
    String[] path = split(name);
    changes.add(
        fields ->
            inParent(
                fields,
                path,
                siblings -> {
                  Types.NestedField f = require(siblings, path, name);
                  List<Types.NestedField> out = new ArrayList<>(siblings);
                  out.remove(f);
                  out.add(0, f);
                  return out;
                }));
    return this;
  }

  /**
   * Moves a column to just after {@code reference}, a column of the same struct (its plain name).
   */
  public UpdateSchema moveAfter(String name, String reference) {
    return move(name, reference, 1);
  }

  /**
   * Moves a column to just before {@code reference}, a column of the same struct (its plain name).
   */
  public UpdateSchema moveBefore(String name, String reference) {
    return move(name, reference, 0);
  }

  private UpdateSchema move(String name, String reference, int offset) {
    Objects.requireNonNull(reference, "reference");
    String[] path = split(name);
    changes.add(
        fields ->
            inParent(
                fields,
                path,
                siblings -> {
                  Types.NestedField f = require(siblings, path, name);
                  Types.NestedField ref = find(siblings, reference);
                  if (ref == null || ref == f) {
                    throw invalid(
                        "Cannot move column '"
                            + name
                            + "' next to '"
                            + reference
                            + "': "
                            + (ref == null
                                ? "there is no such column in the same struct"
                                : "that is the column itself")
                            + ". Name another column of the same struct (without its path).");
                  }
                  List<Types.NestedField> out = new ArrayList<>(siblings);
                  out.remove(f);
                  out.add(out.indexOf(ref) + offset, f);
                  return out;
                }));
    return this;
  }

  /**
   * Applies the changes to the newest schema and commits it as the table's current schema.
   *
   * @return the new current schema
   * @throws ValidationException if a change does not apply (unknown column, name taken, narrowing)
   * @throws CommitConflictException if other writers kept committing first
   */
  public Schema commit() {
    return core.commit(TableEvolution.schema(this::apply)).metadata().schema();
  }

  /**
   * The schema these changes give when applied to the table's newest schema, without committing.
   */
  public Schema apply() {
    return apply(core.refresh());
  }

  private Schema apply(TableMetadata base) {
    Schema current = base.schema();
    if (current.columns().isEmpty()) {
      throw invalid(
          "Table "
              + core.location()
              + " has no schema yet (it was created without one and has no "
              + "data). Append records first, or create it with a schema, then change the schema.");
    }
    List<Types.NestedField> fields = new ArrayList<>(current.columns());
    for (UnaryOperator<List<Types.NestedField>> change : changes) {
      fields = change.apply(fields);
    }
    int[] next = {Math.max(base.lastColumnId(), current.highestFieldId())};
    Types.StructType struct = assignNewIds(Types.struct(fields), next);
    List<Integer> identifiers = new ArrayList<>();
    Schema candidate = new Schema(current.schemaId(), struct, List.of());
    for (int id : current.identifierFieldIds()) {
      if (candidate.findField(id) == null) {
        throw invalid(
            "Cannot drop column "
                + current.findField(id).name()
                + ": it is an identifier field of "
                + "table "
                + core.location()
                + ". Keep it.");
      }
      identifiers.add(id);
    }
    for (PartitionSpec spec : base.specs()) {
      for (PartitionSpec.Field f : spec.fields()) {
        if (candidate.findField(f.sourceId()) == null) {
          throw invalid(
              "Cannot drop column "
                  + current.findField(f.sourceId()).name()
                  + ": partition field '"
                  + f.name()
                  + "' of table "
                  + core.location()
                  + " is computed from it, and files written under that "
                  + "partitioning still need it. Keep the column.");
        }
      }
    }
    return new Schema(current.schemaId(), struct, identifiers);
  }

  /**
   * Gives every field with id 0 (added here) a fresh id above {@code next[0]}, nested ones
   * included.
   */
  private static Types.StructType assignNewIds(Types.StructType struct, int[] next) {
    List<Types.NestedField> out = new ArrayList<>();
    for (Types.NestedField f : struct.fields()) {
      if (f.id() == 0) {
        Types.StructType fresh = Schema.assignFreshIds(Types.struct(f), next);
        out.add(fresh.fields().get(0));
      } else if (f.type().typeId() == Type.TypeId.STRUCT) {
        out.add(
            Types.NestedField.of(
                f.id(),
                f.name(),
                f.isRequired(),
                assignNewIds(f.type().asStruct(), next),
                f.doc()));
      } else {
        out.add(f);
      }
    }
    return Types.struct(out);
  }

  // ------------------------------------------------------------------ helpers

  private static boolean canWiden(Type from, Type to) {
    if (from.equals(to)) {
      return true;
    }
    switch (from.typeId()) {
      case INTEGER:
        return to.typeId() == Type.TypeId.LONG;
      case FLOAT:
        return to.typeId() == Type.TypeId.DOUBLE;
      case DECIMAL:
        if (to.typeId() != Type.TypeId.DECIMAL) {
          return false;
        }
        Types.DecimalType a = (Types.DecimalType) from;
        Types.DecimalType b = (Types.DecimalType) to;
        return a.scale() == b.scale() && b.precision() >= a.precision();
      default:
        return false;
    }
  }

  /**
   * Applies {@code change} to the fields of the struct that contains the last name of {@code path}.
   */
  private List<Types.NestedField> inParent(
      List<Types.NestedField> fields,
      String[] path,
      UnaryOperator<List<Types.NestedField>> change) {
    return inParent(fields, path, 0, change);
  }

  private List<Types.NestedField> inParent(
      List<Types.NestedField> fields,
      String[] path,
      int depth,
      UnaryOperator<List<Types.NestedField>> change) {
    if (depth == path.length - 1) {
      return change.apply(fields);
    }
    Types.NestedField parent = find(fields, path[depth]);
    String prefix = String.join(".", Arrays.copyOf(path, depth + 1));
    if (parent == null || parent.type().typeId() != Type.TypeId.STRUCT) {
      throw invalid(
          "Cannot change '"
              + String.join(".", path)
              + "': '"
              + prefix
              + "' "
              + (parent == null ? "is not a column" : "is not a struct")
              + " of table "
              + core.location()
              + ". Check the name (columns: "
              + names(fields)
              + ").");
    }
    List<Types.NestedField> inner =
        inParent(new ArrayList<>(parent.type().asStruct().fields()), path, depth + 1, change);
    return replace(
        fields,
        parent,
        Types.NestedField.of(
            parent.id(), parent.name(), parent.isRequired(), Types.struct(inner), parent.doc()));
  }

  private Types.NestedField require(List<Types.NestedField> siblings, String[] path, String name) {
    Types.NestedField f = find(siblings, path[path.length - 1]);
    if (f == null) {
      throw invalid(
          "Cannot change column '"
              + name
              + "': there is no such column in table "
              + core.location()
              + " (columns here: "
              + names(siblings)
              + "). Check the name; nested fields are named with dots.");
    }
    return f;
  }

  private static Types.NestedField find(List<Types.NestedField> fields, String name) {
    for (Types.NestedField f : fields) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    return null;
  }

  private static List<Types.NestedField> replace(
      List<Types.NestedField> fields, Types.NestedField old, Types.NestedField now) {
    List<Types.NestedField> out = new ArrayList<>(fields);
    out.set(out.indexOf(old), now);
    return out;
  }

  private static String names(List<Types.NestedField> fields) {
    List<String> out = new ArrayList<>();
    fields.forEach(f -> out.add(f.name()));
    return String.join(", ", out);
  }

  private static String[] split(String name) {
    Objects.requireNonNull(name, "name");
    String[] path = name.split("\\.", -1);
    for (String p : path) {
      if (p.isEmpty()) {
        throw new ValidationException(
            "Column name '"
                + name
                + "' has an empty part. Name a column, or a nested "
                + "field as parent.child.");
      }
    }
    return path;
  }

  private static ValidationException invalid(String message) {
    return new ValidationException(message);
  }
}
