import { standalone } from '../vscode-api';
import { mountDashboard } from './view';

standalone(mountDashboard);
