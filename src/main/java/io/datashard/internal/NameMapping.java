package io.datashard.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datashard.Schema;
import io.datashard.Type;
import io.datashard.Types;
import java.util.List;

/**
 * Iceberg's default name mapping ({@code schema.name-mapping.default}): for data files without
 * field ids, which column name (at each level; list elements are {@code element}, map entries
 * {@code key} and {@code value}) is which field id. DataShard sets it when a file without ids is
 * added, so other Iceberg readers map that file's columns the way DataShard does.
 */
public final class NameMapping {
  private NameMapping() {}

  public static String json(Schema schema) {
    return fields(schema.asStruct().fields()).toString();
  }

  private static ArrayNode fields(List<Types.NestedField> fields) {
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    for (Types.NestedField f : fields) {
      out.add(field(f.id(), f.name(), f.type()));
    }
    return out;
  }

  private static ObjectNode field(int id, String name, Type type) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("field-id", id);
    n.putArray("names").add(name);
    switch (type.typeId()) {
      case STRUCT:
        n.set("fields", fields(type.asStruct().fields()));
        break;
      case LIST:
        {
          Types.ListType l = type.asList();
          n.putArray("fields").add(field(l.elementId(), "element", l.elementType()));
          break;
        }
      case MAP:
        {
          Types.MapType m = type.asMap();
          ArrayNode kv = n.putArray("fields");
          kv.add(field(m.keyId(), "key", m.keyType()));
          kv.add(field(m.valueId(), "value", m.valueType()));
          break;
        }
      default:
        break;
    }
    return n;
  }
}
