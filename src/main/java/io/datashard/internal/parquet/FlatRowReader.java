package io.datashard.internal.parquet;

import io.datashard.Row;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.internal.FloatList;
import io.datashard.internal.Rows;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;

/**
 * Reads rows of a flat projection (top-level primitive columns, and standard three-level lists of
 * primitives) straight from each column's levels and values, without Parquet's general record
 * assembly: one loop per column and row. Values are converted by the same {@link
 * RowMaterializer.ValueConverter}s as the general path, so both read the same rows; {@link
 * #applies} says when a projection is flat.
 */
final class FlatRowReader {
  private static final FloatList EMPTY_FLOATS = new FloatList(new float[0], null);

  /** One top-level column of the projection. */
  private abstract static class Column {
    final ColumnDescriptor descriptor;
    final int pos;
    ColumnReader reader;
    long remaining;

    Column(ColumnDescriptor descriptor, int pos) {
      this.descriptor = descriptor;
      this.pos = pos;
    }

    /** Reads this column's value of the next row into {@code values[pos]}. */
    abstract void read(Object[] values);
  }

  /** A primitive column: one value (or null) per row. */
  private static final class PrimitiveColumn extends Column {
    private final int maxDef;
    private final PrimitiveConverter converter;
    private Object value;

    PrimitiveColumn(ColumnDescriptor descriptor, int pos, Type target, PrimitiveType file) {
      super(descriptor, pos);
      this.maxDef = descriptor.getMaxDefinitionLevel();
      this.converter = new RowMaterializer.ValueConverter(target, file, v -> value = v);
    }

    @Override
    void read(Object[] values) {
      ColumnReader r = reader;
      if (r.getCurrentDefinitionLevel() == maxDef) {
        r.writeCurrentValueToConverter();
        values[pos] = value;
      }
      r.consume();
    }
  }

  /**
   * A three-level list of primitives: the values of one row run until the repetition level is 0
   * again.
   */
  private static final class ListColumn extends Column {
    /** The definition level of a present but empty list; lower means a null list. */
    private final int emptyDef;

    private final int maxDef;
    private final boolean floats;
    private final PrimitiveConverter converter;
    private Object element;
    private float floatElement;
    private final FloatList.Builder floatList = new FloatList.Builder();
    private int lastSize = 4;

    ListColumn(
        ColumnDescriptor descriptor,
        int pos,
        Types.ListType target,
        GroupType list,
        PrimitiveType element) {
      super(descriptor, pos);
      this.maxDef = descriptor.getMaxDefinitionLevel();
      // the repeated group adds one level, and an optional element one more
      this.emptyDef =
          maxDef
              - 1
              - (element.isRepetition(org.apache.parquet.schema.Type.Repetition.OPTIONAL) ? 1 : 0);
      this.floats = target.elementType().typeId() == Type.TypeId.FLOAT;
      if (floats) {
        this.converter = new FloatSink();
      } else {
        this.converter =
            new RowMaterializer.ValueConverter(
                target.elementType(), element, v -> this.element = v);
      }
    }

    /** Takes float elements as primitives. */
    private final class FloatSink extends RowMaterializer.FloatConverter {
      @Override
      public void addFloat(float v) {
        floatElement = v;
      }
    }

    @Override
    void read(Object[] values) {
      ColumnReader r = reader;
      int d = r.getCurrentDefinitionLevel();
      if (d <= emptyDef) {
        if (d == emptyDef) {
          values[pos] = floats ? EMPTY_FLOATS : Collections.emptyList();
        }
        r.consume();
        remaining--;
        return;
      }
      if (floats) {
        values[pos] = readFloats(r);
      } else {
        values[pos] = readElements(r);
      }
    }

    private FloatList readFloats(ColumnReader r) {
      floatList.reset();
      do {
        if (r.getCurrentDefinitionLevel() == maxDef) {
          r.writeCurrentValueToConverter();
          floatList.add(floatElement);
        } else {
          floatList.addNull();
        }
        r.consume();
        remaining--;
      } while (remaining > 0 && r.getCurrentRepetitionLevel() > 0);
      return floatList.build();
    }

    private List<Object> readElements(ColumnReader r) {
      List<Object> list = new ArrayList<>(lastSize);
      do {
        if (r.getCurrentDefinitionLevel() == maxDef) {
          r.writeCurrentValueToConverter();
          list.add(element);
        } else {
          list.add(null);
        }
        r.consume();
        remaining--;
      } while (remaining > 0 && r.getCurrentRepetitionLevel() > 0);
      lastSize = Math.max(1, list.size());
      return Collections.unmodifiableList(list);
    }
  }

  private final Types.StructType target;
  private final MessageType requested;
  private final String createdBy;
  private final Column[] columns;

  /** Leaf converters by column index, for Parquet's column store to hand to its readers. */
  private final GroupConverter root;

  private FlatRowReader(Types.StructType target, MessageType requested, String createdBy) {
    this.target = target;
    this.requested = requested;
    this.createdBy = createdBy;
    List<ColumnDescriptor> descriptors = requested.getColumns();
    this.columns = new Column[requested.getFieldCount()];
    Converter[] leaves = new Converter[columns.length];
    for (int i = 0; i < columns.length; i++) {
      org.apache.parquet.schema.Type f = requested.getType(i);
      Types.NestedField t = Projection.match(target, f);
      int pos = target.position(t.name());
      if (f.isPrimitive()) {
        PrimitiveColumn c =
            new PrimitiveColumn(descriptors.get(i), pos, t.type(), f.asPrimitiveType());
        columns[i] = c;
        leaves[i] = c.converter;
      } else {
        GroupType list = f.asGroupType();
        GroupType repeated = list.getType(0).asGroupType();
        ListColumn c =
            new ListColumn(
                descriptors.get(i),
                pos,
                t.type().asList(),
                list,
                repeated.getType(0).asPrimitiveType());
        columns[i] = c;
        leaves[i] = nest(nest(c.converter));
      }
    }
    this.root = new RowMaterializer.Passthrough(leaves);
  }

  private static GroupConverter nest(Converter child) {
    return new RowMaterializer.Passthrough(new Converter[] {child});
  }

  /**
   * A reader for the projection, or null when it is not flat: every requested top-level field is a
   * primitive read as a primitive, or a standard three-level list whose element is a primitive.
   */
  static FlatRowReader of(Types.StructType target, MessageType requested, String createdBy) {
    if (requested.getFieldCount() == 0) {
      return null;
    }
    for (org.apache.parquet.schema.Type f : requested.getFields()) {
      Types.NestedField t = Projection.match(target, f);
      if (t == null || f.isRepetition(org.apache.parquet.schema.Type.Repetition.REPEATED)) {
        return null;
      }
      if (f.isPrimitive()) {
        if (!t.type().isPrimitive()) {
          return null; // the general path names the mismatch
        }
      } else if (!isListOfPrimitives(t.type(), f.asGroupType())) {
        return null;
      }
    }
    return new FlatRowReader(target, requested, createdBy);
  }

  private static boolean isListOfPrimitives(Type target, GroupType f) {
    if (target.typeId() != Type.TypeId.LIST
        || !target.asList().elementType().isPrimitive()
        || f.getFieldCount() != 1
        || RowMaterializer.isTwoLevelList(f)) {
      return false;
    }
    org.apache.parquet.schema.Type repeated = f.getType(0);
    if (!repeated.isRepetition(org.apache.parquet.schema.Type.Repetition.REPEATED)) {
      return false;
    }
    org.apache.parquet.schema.Type element = repeated.asGroupType().getType(0);
    return element.isPrimitive()
        && !element.isRepetition(org.apache.parquet.schema.Type.Repetition.REPEATED);
  }

  /** Starts on a row group. */
  void start(PageReadStore group) {
    ColumnReadStoreImpl store = new ColumnReadStoreImpl(group, root, requested, createdBy);
    for (Column c : columns) {
      c.reader = store.getColumnReader(c.descriptor);
      c.remaining = c.reader.getTotalValueCount();
    }
  }

  /** The next row of the row group; the caller counts the rows. */
  Row read() {
    Object[] values = new Object[target.fields().size()];
    for (Column c : columns) {
      c.read(values);
    }
    return Rows.wrap(target, values);
  }
}
