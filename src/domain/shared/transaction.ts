/**
 * An open database transaction, as the domain hands it on without looking inside: only the
 * persistence side (src/infra/db) knows what it is.
 */
export type TransactionHandle = { readonly __transaction: unique symbol } | object;
