import { UserError } from '../../core/src/errors.ts';
import { fileByteSource, type ByteSource } from './json/byte-source.ts';
import { JsonScanner, type JsonValue } from './json/json-scanner.ts';

/** The fields of a COCO instances file that YOLO labels need; everything else is skipped while reading. */
export interface CocoImage {
  id: number;
  fileName: string;
  width: number;
  height: number;
}

export interface CocoCategory {
  id: number;
  name: string;
}

export interface CocoAnnotation {
  /** Position in the file's "annotations" array, to name the record in messages. */
  index: number;
  id: number | undefined;
  imageId: number;
  categoryId: number;
  /** [x, y, width, height] of the top-left corner, in pixels. */
  bbox: [number, number, number, number];
  iscrowd: boolean;
}

export interface CocoInstances {
  images: CocoImage[];
  categories: CocoCategory[];
  annotations: CocoAnnotation[];
}

export interface CocoVisitor {
  image?(image: CocoImage): void;
  category?(category: CocoCategory): void;
  annotation?(annotation: CocoAnnotation): void;
}

export interface ReadCocoOptions {
  /** Called after each chunk with the bytes read so far and the file size. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  chunkBytes?: number;
}

const requiredArrays = ['images', 'annotations', 'categories'] as const;
type RecordArray = (typeof requiredArrays)[number];

/**
 * Streams a COCO instances file: calls the visitor for every image, category and annotation, in file
 * order, whatever the order of the top-level keys. Segmentations and other unused fields are validated
 * as JSON but never built. Bad JSON or a record of the wrong shape throws a UserError naming the file,
 * the record and the byte offset.
 */
export function readCocoInstances(path: string, visitor: CocoVisitor, options: ReadCocoOptions = {}): void {
  const source = fileByteSource(path);
  try {
    readCocoInstancesFrom(source, visitor, options);
  } finally {
    source.close();
  }
}

/** Reads a whole COCO instances file into compact records (a few hundred MB for COCO train2017's 860k boxes). */
export function loadCocoInstances(path: string, options: ReadCocoOptions = {}): CocoInstances {
  const data: CocoInstances = { images: [], categories: [], annotations: [] };
  readCocoInstances(
    path,
    {
      image: (record) => data.images.push(record),
      category: (record) => data.categories.push(record),
      annotation: (record) => data.annotations.push(record),
    },
    options,
  );
  return data;
}

export function readCocoInstancesFrom(source: ByteSource, visitor: CocoVisitor, options: ReadCocoOptions = {}): void {
  const onProgress = options.onProgress;
  const scanner = new JsonScanner(source, {
    chunkBytes: options.chunkBytes,
    onChunk: onProgress && ((bytesRead) => onProgress(bytesRead, source.size)),
  });
  const seen = new Set<string>();
  const topKind = scanner.peekKind();
  if (topKind !== 'object' && topKind !== undefined) {
    // (Not a value at all is left to readObject, which reports it as malformed JSON.)
    throw recordError(scanner, 'the document', scanner.offset, `expected a COCO instances object at the top level, found ${topKind}`);
  }
  scanner.readObject((key) => {
    if (!(requiredArrays as readonly string[]).includes(key)) {
      scanner.skipValue();
      return;
    }
    const name = key as RecordArray;
    if (seen.has(name)) throw recordError(scanner, `"${name}"`, scanner.offset, 'appears twice at the top level');
    seen.add(name);
    const kind = scanner.peekKind();
    if (kind !== 'array') {
      throw recordError(scanner, `"${name}"`, scanner.offset, `expected an array of records, found ${kind ?? 'no value'}`);
    }
    scanner.readArray((index) => readRecord(scanner, name, index, visitor));
  });
  scanner.expectEnd();
  for (const name of requiredArrays) {
    if (!seen.has(name)) throw new UserError(`not a COCO instances file: the top-level "${name}" array is missing`, source.name);
  }
}

function readRecord(scanner: JsonScanner, array: RecordArray, index: number, visitor: CocoVisitor): void {
  const offset = scanner.offset;
  const kind = scanner.peekKind();
  if (kind !== 'object') {
    throw recordError(scanner, `${array}[${index}]`, offset, `expected an object, found ${kind ?? 'no value'}`);
  }
  const fields = readFields(scanner, fieldsOf[array]);
  const record = new RecordCheck(scanner, array, index, offset, fields);
  if (array === 'images') {
    const image: CocoImage = {
      id: record.integer('id'),
      fileName: record.nonEmptyString('file_name'),
      width: record.positiveNumber('width'),
      height: record.positiveNumber('height'),
    };
    visitor.image?.(image);
  } else if (array === 'categories') {
    const category: CocoCategory = { id: record.integer('id'), name: record.nonEmptyString('name') };
    visitor.category?.(category);
  } else {
    const annotation: CocoAnnotation = {
      index,
      id: record.optionalInteger('id'),
      imageId: record.integer('image_id'),
      categoryId: record.integer('category_id'),
      bbox: record.box('bbox'),
      iscrowd: record.flag('iscrowd'),
    };
    visitor.annotation?.(annotation);
  }
}

const fieldsOf: Record<RecordArray, ReadonlySet<string>> = {
  images: new Set(['id', 'file_name', 'width', 'height']),
  categories: new Set(['id', 'name']),
  annotations: new Set(['id', 'image_id', 'category_id', 'bbox', 'iscrowd']),
};

/** Reads the wanted fields of one record (the last one wins on duplicate keys, as with JSON.parse) and skips the rest. */
function readFields(scanner: JsonScanner, wanted: ReadonlySet<string>): Map<string, JsonValue> {
  const fields = new Map<string, JsonValue>();
  scanner.readObject((key) => {
    if (wanted.has(key)) fields.set(key, scanner.readValue());
    else scanner.skipValue();
  });
  return fields;
}

/** Typed access to a record's fields; each failure names the file, the record, its id and the byte offset. */
class RecordCheck {
  constructor(
    private readonly scanner: JsonScanner,
    private readonly array: RecordArray,
    private readonly index: number,
    private readonly offset: number,
    private readonly fields: Map<string, JsonValue>,
  ) {}

  integer(key: string): number {
    const value = this.fields.get(key);
    if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
    return this.fail(key, 'an integer', value);
  }

  optionalInteger(key: string): number | undefined {
    return this.fields.has(key) ? this.integer(key) : undefined;
  }

  nonEmptyString(key: string): string {
    const value = this.fields.get(key);
    if (typeof value === 'string' && value.length > 0) return value;
    return this.fail(key, 'a non-empty string', value);
  }

  positiveNumber(key: string): number {
    const value = this.fields.get(key);
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
    return this.fail(key, 'a positive number', value);
  }

  box(key: string): [number, number, number, number] {
    const value = this.fields.get(key);
    if (Array.isArray(value) && value.length === 4 && value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      return value as [number, number, number, number];
    }
    return this.fail(key, 'an array of 4 finite numbers [x, y, width, height]', value);
  }

  /** COCO writes 0/1; booleans are accepted too. Absent means false, as in Ultralytics. */
  flag(key: string): boolean {
    const value = this.fields.get(key);
    if (value === undefined || value === 0 || value === false) return false;
    if (value === 1 || value === true) return true;
    return this.fail(key, '0, 1, true or false', value);
  }

  private fail(key: string, expected: string, value: JsonValue | undefined): never {
    const found = value === undefined ? 'it is missing' : `found ${describeValue(value)}`;
    throw recordError(this.scanner, this.name(), this.offset, `"${key}" must be ${expected}, ${found}`);
  }

  private name(): string {
    const id = this.fields.get('id');
    const idText = typeof id === 'number' || typeof id === 'string' ? ` (id ${JSON.stringify(id)})` : '';
    return `${this.array}[${this.index}]${idText}`;
  }
}

function recordError(scanner: JsonScanner, record: string, offset: number, message: string): UserError {
  return new UserError(`${record} at byte ${offset}: ${message}`, scanner.sourceName);
}

function describeValue(value: JsonValue): string {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
