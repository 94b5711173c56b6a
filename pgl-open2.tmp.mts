import { PGlite } from "@electric-sql/pglite";
const dir = process.argv[2];
const m = (db?: any) => { (globalThis as any).gc?.(); const u = process.memoryUsage(); return { rss: u.rss>>20, heap: u.heapUsed>>20, ext: u.external>>20, ab: u.arrayBuffers>>20, wasm: db ? db.mod.HEAPU8.byteLength>>20 : 0 }; };
const db = await PGlite.create(dir);
console.log("open", m(db));
for (let i=0;i<5;i++){ await new Promise(r=>setTimeout(r,1000)); console.log(i, m(db)); }
await db.close();
