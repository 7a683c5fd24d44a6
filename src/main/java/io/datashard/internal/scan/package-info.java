/**
 * Reading a table: which snapshot a read means, the live data files of a snapshot, pruning by
 * partition values and column statistics, and the rows of files, one after the other or in
 * parallel.
 */
package io.datashard.internal.scan;
