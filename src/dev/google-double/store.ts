// In-memory Drive: files, shared drives and the visibility rules that decide who sees what.

import { createHash, randomBytes } from 'node:crypto';
import {
  type DoubleUser,
  EDITOR_MIMES,
  FOLDER_MIME,
  type NewFile,
  type StoredDrive,
  type StoredFile,
} from './types.js';

export function randomId(prefix = '1', length = 32): string {
  return prefix + randomBytes(length).toString('base64url').slice(0, length);
}

/** The id of a user's My Drive root folder; readable so tests can name it. */
export function rootIdOf(email: string): string {
  return `root-${email.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
}

export class DriveStore {
  readonly files = new Map<string, StoredFile>();
  readonly drives = new Map<string, StoredDrive>();
  private readonly usersByEmail = new Map<string, DoubleUser>();

  constructor(readonly users: DoubleUser[]) {
    for (const user of users) {
      this.usersByEmail.set(user.email.toLowerCase(), user);
      this.ensureRoot(user.email);
    }
  }

  userByEmail(email: string): DoubleUser | undefined {
    return this.usersByEmail.get(email.toLowerCase());
  }

  ensureRoot(email: string): StoredFile {
    const id = rootIdOf(email);
    const existing = this.files.get(id);
    if (existing) return existing;
    const now = new Date(Date.UTC(2025, 0, 1)).toISOString();
    const root: StoredFile = {
      id,
      name: 'My Drive',
      mimeType: FOLDER_MIME,
      parents: [],
      ownedBy: [email.toLowerCase()],
      sharedWith: [],
      trashed: false,
      starred: false,
      createdTime: now,
      modifiedTime: now,
      isRoot: true,
    };
    this.files.set(id, root);
    return root;
  }

  addDrive(drive: { id?: string; name: string; members: string[]; createdTime?: string }): StoredDrive {
    const stored: StoredDrive = {
      id: drive.id ?? randomId('0A', 17),
      name: drive.name,
      members: drive.members.map((m) => m.toLowerCase()),
      createdTime: drive.createdTime ?? new Date().toISOString(),
    };
    this.drives.set(stored.id, stored);
    // Like Drive, the shared drive's root folder has the drive's id.
    this.files.set(stored.id, {
      id: stored.id,
      name: stored.name,
      mimeType: FOLDER_MIME,
      parents: [],
      driveId: stored.id,
      ownedBy: [],
      sharedWith: [],
      trashed: false,
      starred: false,
      createdTime: stored.createdTime,
      modifiedTime: stored.createdTime,
      isRoot: true,
    });
    return stored;
  }

  addFile(input: NewFile): StoredFile {
    const parents = input.parents ?? [this.defaultParent(input.ownedBy)];
    const parent = parents[0] === undefined ? undefined : this.files.get(parents[0]);
    const driveId = input.driveId ?? parent?.driveId;
    const ownedBy = (input.ownedBy ?? (driveId ? [] : (parent?.ownedBy ?? []))).map((e) => e.toLowerCase());
    const now = new Date().toISOString();
    const isBinary = input.mimeType !== FOLDER_MIME && !EDITOR_MIMES.has(input.mimeType);
    const content = isBinary ? (input.content ?? Buffer.alloc(0)) : undefined;
    const file: StoredFile = {
      id: input.id ?? randomId(),
      name: input.name,
      mimeType: input.mimeType,
      parents,
      ownedBy,
      sharedWith: (input.sharedWith ?? []).map((e) => e.toLowerCase()),
      trashed: input.trashed ?? false,
      starred: input.starred ?? false,
      createdTime: input.createdTime ?? input.modifiedTime ?? now,
      modifiedTime: input.modifiedTime ?? input.createdTime ?? now,
      ...(driveId ? { driveId } : {}),
      ...(content ? { content, size: content.length, md5Checksum: md5(content) } : {}),
      ...(input.text !== undefined ? { text: input.text } : {}),
      ...(input.exportPages !== undefined ? { exportPages: input.exportPages } : {}),
      ...(input.exportTooLarge ? { exportTooLarge: true } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
    };
    this.files.set(file.id, file);
    return file;
  }

  get(id: string): StoredFile | undefined {
    return this.files.get(id);
  }

  /** Resolves the `root` alias to the viewer's My Drive root. */
  resolveId(id: string, email: string): string {
    return id === 'root' ? rootIdOf(email) : id;
  }

  isMember(email: string, driveId: string): boolean {
    return this.drives.get(driveId)?.members.includes(email.toLowerCase()) ?? false;
  }

  drivesOf(email: string): StoredDrive[] {
    const lower = email.toLowerCase();
    return [...this.drives.values()].filter((d) => d.members.includes(lower));
  }

  /** Who may see a file: owners, people it (or an ancestor folder) was shared with, drive members. */
  canSee(email: string, file: StoredFile): boolean {
    const lower = email.toLowerCase();
    if (file.driveId) return this.isMember(lower, file.driveId);
    let current: StoredFile | undefined = file;
    // Sharing a folder shares what is inside it; the depth bound guards against a parent cycle.
    for (let depth = 0; current && depth < 100; depth++) {
      if (current.ownedBy.includes(lower) || current.sharedWith.includes(lower)) return true;
      const parentId: string | undefined = current.parents[0];
      current = parentId === undefined ? undefined : this.files.get(parentId);
    }
    return false;
  }

  /** Who may add children: owners of My Drive folders and members of the shared drive. */
  canWrite(email: string, folder: StoredFile): boolean {
    const lower = email.toLowerCase();
    if (folder.driveId) return this.isMember(lower, folder.driveId);
    return folder.ownedBy.includes(lower);
  }

  findByName(name: string): StoredFile[] {
    return [...this.files.values()].filter((f) => f.name === name);
  }

  private defaultParent(ownedBy: string[] | undefined): string {
    const owner = ownedBy?.[0] ?? this.users[0]?.email;
    if (!owner) throw new Error('addFile needs parents or an owner when the double has no users');
    return this.ensureRoot(owner).id;
  }
}

export function md5(content: Buffer): string {
  return createHash('md5').update(content).digest('hex');
}
