import { classifyIp, classifyText, type ValueClassification } from './ioc-values.js';

/*
 * The STIX 2.1 cyber-observable types whose `value` property is an IOC by itself. Patterns
 * (`ipv4-addr:value = '…'`) and SCOs (`{"type": "ipv4-addr", "value": "…"}`) both go through here.
 */
const VALUE_CLASSIFIERS: Readonly<Record<string, (value: string) => ValueClassification>> = {
  'ipv4-addr': (value) => classifyIp('ipv4', value),
  'ipv6-addr': (value) => classifyIp('ipv6', value),
  'domain-name': (value) => classifyText('domain', value),
  url: (value) => classifyText('url', value),
  'email-addr': (value) => classifyText('email', value),
};

export function hasIocValue(objectType: string): boolean {
  return Object.hasOwn(VALUE_CLASSIFIERS, objectType);
}

/** The IOC that `<objectType>:value` holds; undefined when that type's value is no IOC. */
export function classifyObservableValue(
  objectType: string,
  value: string,
): ValueClassification | undefined {
  return hasIocValue(objectType) ? VALUE_CLASSIFIERS[objectType]?.(value) : undefined;
}
