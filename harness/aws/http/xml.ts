/**
 * A minimal XML writer for the fake's Query-protocol answers: elements, text escaped, empty values left out (AWS
 * omits absent members rather than sending empty elements).
 */

/** An XML node: text, a list of child elements, or nothing. */
export type XmlValue = string | number | boolean | undefined | XmlElement[] | XmlElement;

/** One element. */
export interface XmlElement {
  /** Tag name. */
  name: string;
  /** Text or children. */
  value: XmlValue;
}

/** Builds an element. */
export function el(name: string, value: XmlValue): XmlElement {
  return { name, value };
}

/** An EC2-style list: `<name><item>...</item>...</name>`. */
export function items(name: string, list: XmlElement[][] | undefined): XmlElement | undefined {
  return list === undefined
    ? undefined
    : el(
        name,
        list.map((children) => el("item", children)),
      );
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function render(node: XmlElement): string {
  const v = node.value;
  if (v === undefined) {
    return "";
  }
  if (Array.isArray(v)) {
    return `<${node.name}>${v.map(render).join("")}</${node.name}>`;
  }
  if (typeof v === "object") {
    return `<${node.name}>${render(v)}</${node.name}>`;
  }
  return `<${node.name}>${escape(String(v))}</${node.name}>`;
}

/** A whole document: the declaration and the root element with its namespace. */
export function xmlDocument(root: string, namespace: string, children: (XmlElement | undefined)[]): string {
  const body = children
    .filter((c): c is XmlElement => c !== undefined)
    .map(render)
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${namespace}">${body}</${root}>`;
}

/** Children without the undefined ones. */
export function defined(children: (XmlElement | undefined)[]): XmlElement[] {
  return children.filter((c): c is XmlElement => c !== undefined);
}
