import { createRoot } from 'react-dom/client';
import { createClient } from './api/client';
import { App } from './App';
import './styles.css';

createRoot(document.getElementById('root')!).render(<App client={createClient()} />);
