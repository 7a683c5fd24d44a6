package io.datashard;

/**
 * A column type of the Apache Iceberg type system: a primitive, or a nested struct, list or map.
 *
 * <p>Instances come from {@link Types}. Primitive types without parameters are singletons;
 * parameterised and nested types are immutable values with {@code equals}.
 */
public interface Type {

  /** The kind of type. */
  enum TypeId {
    /** {@code boolean}. */
    BOOLEAN,
    /** {@code int}: 32-bit signed integer. */
    INTEGER,
    /** {@code long}: 64-bit signed integer. */
    LONG,
    /** {@code float}: 32-bit floating point. */
    FLOAT,
    /** {@code double}: 64-bit floating point. */
    DOUBLE,
    /** {@code decimal(P, S)}: fixed-point decimal. */
    DECIMAL,
    /** {@code date}: calendar date. */
    DATE,
    /** {@code time}: time of day, microseconds. */
    TIME,
    /** {@code timestamp}: date and time without zone, microseconds. */
    TIMESTAMP,
    /** {@code timestamptz}: an instant, microseconds, stored in UTC. */
    TIMESTAMPTZ,
    /** {@code string}: UTF-8 text. */
    STRING,
    /** {@code uuid}. */
    UUID,
    /** {@code fixed[L]}: exactly L bytes. */
    FIXED,
    /** {@code binary}: bytes of any length. */
    BINARY,
    /** {@code struct<...>}: named fields. */
    STRUCT,
    /** {@code list<E>}. */
    LIST,
    /** {@code map<K, V>}. */
    MAP
  }

  /** The kind of this type. */
  TypeId typeId();

  /** True for every type but struct, list and map. */
  default boolean isPrimitive() {
    return !isNested();
  }

  /** True for struct, list and map. */
  default boolean isNested() {
    TypeId id = typeId();
    return id == TypeId.STRUCT || id == TypeId.LIST || id == TypeId.MAP;
  }

  /** This type as a struct; fails if it is not one. */
  default Types.StructType asStruct() {
    throw new IllegalStateException("not a struct: " + this);
  }

  /** This type as a list; fails if it is not one. */
  default Types.ListType asList() {
    throw new IllegalStateException("not a list: " + this);
  }

  /** This type as a map; fails if it is not one. */
  default Types.MapType asMap() {
    throw new IllegalStateException("not a map: " + this);
  }

  /**
   * The type as written in Iceberg table metadata JSON for primitives ({@code "long"}, {@code
   * "decimal(9,2)"}, {@code "fixed[16]"}), or a readable form for nested types ({@code
   * list<float>}).
   */
  @Override
  String toString();
}
