// Crash safety on PostgreSQL: see crash-safety.ts.
import { databaseNamed, describeCrashSafety } from './crash-safety.js';

describeCrashSafety(databaseNamed('postgres'));
