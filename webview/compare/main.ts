import { standalone } from '../vscode-api';
import { mountCompare } from './view';

standalone(mountCompare);
