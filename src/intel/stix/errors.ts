export type StixContentErrorCode = 'XML_DTD_REFUSED' | 'XML_MALFORMED' | 'STIX_PACKAGE_MISSING';

/**
 * Feed content refused as a whole, before any IOC is read from it. `line` and `column`
 * (1-based) say where, when the XML parser knows.
 */
export class StixContentError extends Error {
  override readonly name = 'StixContentError';
  constructor(
    readonly code: StixContentErrorCode,
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
  }
}
