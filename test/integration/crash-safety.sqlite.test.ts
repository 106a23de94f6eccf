// Crash safety on SQLite: see crash-safety.ts.
import { databaseNamed, describeCrashSafety } from './crash-safety.js';

describeCrashSafety(databaseNamed('sqlite'));
