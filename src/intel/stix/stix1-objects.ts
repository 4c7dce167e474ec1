import {
  classifyHash,
  classifyIp,
  classifyText,
  hashAlgorithm,
  type ValueClassification,
} from './ioc-values.js';
import {
  attribute,
  childElements,
  firstChild,
  xsiType,
  xsiTypeName,
  type XmlElement,
} from './xml-tree.js';

/*
 * IOCs from the Properties of one CybOX 2.x object, as STIX 1.1.1 and 1.2 carry them: Address,
 * DomainName, URI and File hashes. A value field may hold a list joined by `##comma##`; it is an
 * IOC only under the `Equals` condition (or none), since `Contains`, `StartsWith`, ranges and
 * the like describe many values, not one.
 */

export interface ObjectReading {
  /** The object's xsi:type as written, for reports: `AddressObj:AddressObjectType`. */
  what: string;
  results: ValueClassification[];
}

const LIST_SEPARATOR = '##comma##';

function refused(reason: string): ValueClassification[] {
  return [{ ok: false, reason }];
}

/** The strings an equality field stands for, or why it stands for no exact value. */
function equalityValues(field: XmlElement | undefined, label: string): string[] | string {
  if (field === undefined) return `no ${label}`;
  const condition = attribute(field, 'condition');
  if (condition !== undefined && condition !== 'Equals') {
    return `${label} has condition ${condition}, not Equals`;
  }
  const values = field.text
    .split(LIST_SEPARATOR)
    .map((value) => value.trim())
    .filter((value) => value !== '');
  if (values.length === 0) return `empty ${label}`;
  const applyCondition = attribute(field, 'apply_condition');
  if (values.length > 1 && applyCondition !== undefined && applyCondition !== 'ANY') {
    return `${label} list has apply_condition ${applyCondition}, not ANY`;
  }
  return values;
}

function classifyEach(
  field: XmlElement | undefined,
  label: string,
  classify: (value: string) => ValueClassification,
): ValueClassification[] {
  const values = equalityValues(field, label);
  return typeof values === 'string' ? refused(values) : values.map(classify);
}

function readAddress(properties: XmlElement): ValueClassification[] {
  // Address_Object.xsd makes ipv4-addr the default category.
  const category = attribute(properties, 'category') ?? 'ipv4-addr';
  const field = firstChild(properties, 'Address_Value');
  switch (category) {
    case 'ipv4-addr':
    case 'ipv4-net':
      return classifyEach(field, 'Address_Value', (value) => classifyIp('ipv4', value));
    case 'ipv6-addr':
    case 'ipv6-net':
      return classifyEach(field, 'Address_Value', (value) => classifyIp('ipv6', value));
    case 'cidr':
      return classifyEach(field, 'Address_Value', (value) =>
        classifyIp(value.includes(':') ? 'ipv6' : 'ipv4', value),
      );
    case 'e-mail':
      return classifyEach(field, 'Address_Value', (value) => classifyText('email', value));
    default:
      return refused(`Address category ${category} is not an IOC type`);
  }
}

function readDomainName(properties: XmlElement): ValueClassification[] {
  const type = attribute(properties, 'type') ?? 'FQDN';
  if (type !== 'FQDN') return refused(`DomainName type ${type} is not a fully qualified domain`);
  return classifyEach(firstChild(properties, 'Value'), 'Value', (value) =>
    classifyText('domain', value),
  );
}

function readUri(properties: XmlElement): ValueClassification[] {
  const type = attribute(properties, 'type') ?? 'URL';
  const iocType = type === 'URL' ? 'url' : type === 'Domain Name' ? 'domain' : undefined;
  if (iocType === undefined) return refused(`URI type ${type} is not a URL or domain name`);
  return classifyEach(firstChild(properties, 'Value'), 'Value', (value) =>
    classifyText(iocType, value),
  );
}

/** A hash's Type holds the name as text, or in a nested element in some producers. */
function hashTypeName(type: XmlElement | undefined): string {
  if (type === undefined) return '';
  if (type.text !== '' || type.children.length === 0) return type.text;
  return hashTypeName(type.children[0]);
}

function readFileHashes(properties: XmlElement): ValueClassification[] {
  const hashes = childElements(firstChild(properties, 'Hashes') ?? properties, 'Hash');
  const results: ValueClassification[] = [];
  for (const hash of hashes) {
    const algorithm = hashAlgorithm(hashTypeName(firstChild(hash, 'Type')));
    // Other hash types (SSDEEP, SHA512 …) are not IOC types; the file counts by those it has.
    if (algorithm === undefined) continue;
    const field = firstChild(hash, 'Simple_Hash_Value');
    results.push(
      ...classifyEach(field, 'Simple_Hash_Value', (value) => classifyHash(algorithm, value)),
    );
  }
  return results.length > 0 ? results : refused('File has no MD5, SHA1 or SHA256 hash');
}

const READERS: Readonly<Record<string, (properties: XmlElement) => ValueClassification[]>> = {
  AddressObjectType: readAddress,
  DomainNameObjectType: readDomainName,
  URIObjectType: readUri,
  FileObjectType: readFileHashes,
};

/** The IOCs, or reasons, that one `cybox:Properties` element yields. */
export function readObjectProperties(properties: XmlElement): ObjectReading {
  const what = xsiType(properties) ?? properties.name;
  const typeName = xsiTypeName(properties);
  const reader =
    typeName !== undefined && Object.hasOwn(READERS, typeName) ? READERS[typeName] : undefined;
  if (reader === undefined) {
    return {
      what,
      results: refused(`${typeName ?? 'an object without xsi:type'} is not an IOC type`),
    };
  }
  return { what, results: reader(properties) };
}
