// Entry of the app bundle: start listening. Code Engine runs `node index.js` in the app container.
import { startAppServer } from './server.ts';

startAppServer()
  .then(({ url }) =>
    process.stdout.write(`${JSON.stringify({ level: 'info', message: 'listening', url })}\n`),
  )
  .catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  });
