/**
 * The storage contract DataShard relies on ({@link io.datashard.storage.Storage}) and its local
 * filesystem implementation.
 */
package io.datashard.storage;
