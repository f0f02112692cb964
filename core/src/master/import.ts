// The master-data import file (YAML or JSON; example: deploy/master-data.example.yaml).
//
// Schema (every list optional; ids in any code form — EPC URI, GS1 element string, Digital
// Link, bare 13-digit GLN / 8-14-digit GTIN — and stored canonically):
//
//   parties:
//     - id: urn:epc:id:pgln:…          # PGLN / GLN
//       name: text                       # required
//       address: { countryCode: CN, province, city, district, street, postalCode }
//       licences: [ { kind, number, issuer, validFrom, validTo } ]   # kind + number required
//   locations:
//     - id: urn:epc:id:sgln:…          # SGLN / GLN
//       name: text                       # required
//       party: <party id>                # must be in this file or already stored
//       parent: <location id>            # enclosing location (site of a sub-location)
//       address: { … as above }
//       coordinates: { latitude, longitude }   # WGS 84 degrees
//   products:
//     - gtin: "06901234567892"          # or id: any code naming the GTIN, or a drug code
//       name: text                       # required
//       category: food | drug            # required
//       approvalNumber, dosageForm: text
//       storageTemperature: { min: 2, max: 8 }  # °C
//       attributes: { name: text, … }
//       party: <party id>
//   gateways:
//     - id: gw-001                       # [A-Za-z0-9._:@-], 1-128 chars
//       party: <party id>                # required, must be known
//       allowedReadPoints: [ <location id>, … ]
//       keys: [ { publicKey: <base64 raw key>, algorithm: ed25519, keyId: <optional> } ]
//
// Any other top-level key or field is an error (a misspelt field must not be dropped
// silently). Import is all or nothing.
import { SuyuanError } from "@suyuan/proto";
import { parse as parseYaml } from "yaml";
import {
  checkGatewayInput,
  checkLocationInput,
  checkPartyInput,
  checkProductInput,
  type GatewayInput,
  type LocationInput,
  type PartyInput,
  type Problem,
  Problems,
  type ProductInput,
} from "./records.ts";

export interface ImportSummary {
  parties: number;
  locations: number;
  products: number;
  gateways: number;
}

export interface ImportPlan {
  parties: Array<{ path: string; input: PartyInput }>;
  locations: Array<{ path: string; input: LocationInput }>;
  products: Array<{ path: string; input: ProductInput }>;
  gateways: Array<{ path: string; input: GatewayInput }>;
}

const TOP = ["parties", "locations", "products", "gateways"] as const;

export function importError(problems: readonly Problem[]): SuyuanError {
  const first = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? "s" : ""})` : "";
  return new SuyuanError("MASTER_BAD_IMPORT", `${first.path}: ${first.rule}${more}`, {
    field: first.path,
    detail: { problems },
  });
}

/** Parses and checks the file's shape and ids; references are checked against the store later. */
export function parseImportFile(text: string, format: "yaml" | "json"): ImportPlan {
  if (typeof text !== "string") throw new TypeError("importMasterData: text must be a string");
  let doc: unknown;
  try {
    // YAML 1.2 core schema (the yaml package default): no sexagesimal numbers or yes/no booleans.
    doc = format === "json" ? JSON.parse(text) : parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    const why = e instanceof Error ? e.message.split("\n")[0] : String(e);
    throw new SuyuanError("MASTER_BAD_IMPORT", `(file): not valid ${format.toUpperCase()}: ${why}`, {
      field: "(file)",
      cause: e,
    });
  }
  const p = new Problems();
  const plan: ImportPlan = { parties: [], locations: [], products: [], gateways: [] };
  if (doc === null || doc === undefined) return plan;
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw importError([{ path: "(file)", rule: "must be a map with parties, locations, products, gateways" }]);
  }
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) {
    if (!(TOP as readonly string[]).includes(k)) p.add(k, `is not a known section (${TOP.join(", ")})`);
  }
  const list = (k: (typeof TOP)[number]): unknown[] => {
    const v = d[k];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      p.add(k, "must be a list");
      return [];
    }
    return v;
  };
  const seen = (kind: string) => {
    const ids = new Map<string, string>();
    return (id: string, path: string): boolean => {
      const first = ids.get(id);
      if (first !== undefined) {
        p.add(path, `${kind} ${id} is listed twice (first at ${first})`);
        return false;
      }
      ids.set(id, path);
      return true;
    };
  };
  const partyOnce = seen("party");
  list("parties").forEach((v, i) => {
    const path = `parties[${i}]`;
    const input = checkPartyInput(v, path, p);
    if (input !== undefined && partyOnce(input.id, `${path}.id`)) plan.parties.push({ path, input });
  });
  const locationOnce = seen("location");
  list("locations").forEach((v, i) => {
    const path = `locations[${i}]`;
    const input = checkLocationInput(v, path, p);
    if (input !== undefined && locationOnce(input.id, `${path}.id`)) plan.locations.push({ path, input });
  });
  const productOnce = seen("product");
  list("products").forEach((v, i) => {
    const path = `products[${i}]`;
    const input = checkProductInput(v, path, p);
    if (input !== undefined && productOnce(input.id, `${path}.gtin`)) plan.products.push({ path, input });
  });
  const gatewayOnce = seen("gateway");
  list("gateways").forEach((v, i) => {
    const path = `gateways[${i}]`;
    const input = checkGatewayInput(v, path, p);
    if (input !== undefined && gatewayOnce(input.gatewayId, `${path}.id`)) plan.gateways.push({ path, input });
  });
  if (!p.ok) throw importError(p.list);
  return plan;
}
